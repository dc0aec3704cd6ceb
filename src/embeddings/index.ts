import path from "node:path";
import type { Embeddings } from "@langchain/core/embeddings";
import type { AppConfig } from "../config/index.js";
import type { AliasTable } from "../text/aliases.js";
import { LocalEmbeddings, type LocalEmbedderState } from "./local.js";

export type EmbeddingsProviderName = AppConfig["EMBEDDINGS_PROVIDER"];

/** A configured embedder plus what the manifest needs to know about it. */
export interface EmbeddingProvider {
  provider: EmbeddingsProviderName;
  model: string;
  embeddings: Embeddings;
  /** State that must be saved with the index (the local embedder's IDF and aliases). */
  state?: unknown;
}

/** What identifies an embedder in the manifest: a change here forces a rebuild. */
export function embedderIdentity(config: AppConfig): { provider: EmbeddingsProviderName; model: string } {
  switch (config.EMBEDDINGS_PROVIDER) {
    case "local":
      return { provider: "local", model: `local-hash-tfidf-v1/${config.LOCAL_EMBEDDINGS_DIM}` };
    case "transformers":
      // A model loaded from a folder is identified by the folder too: pointing it elsewhere
      // means other vectors, so the index must be rebuilt.
      return {
        provider: "transformers",
        model: `${config.EMBEDDINGS_MODEL ?? "Xenova/bge-small-en-v1.5"}${config.EMBEDDINGS_MODEL_DIR ? `@${path.resolve(config.EMBEDDINGS_MODEL_DIR)}` : ""}`,
      };
    case "openai":
      return { provider: "openai", model: config.EMBEDDINGS_MODEL ?? config.OPENAI_EMBEDDINGS_MODEL };
  }
}

/**
 * Builds the configured embedder. The local one is fitted on the chunk texts at build time
 * (`fit`) or restored from saved state at load time (`saved`).
 */
export async function createEmbeddingProvider(
  config: AppConfig,
  input: { fit: { texts: string[]; aliases: AliasTable } } | { saved: unknown },
): Promise<EmbeddingProvider> {
  const identity = embedderIdentity(config);
  switch (config.EMBEDDINGS_PROVIDER) {
    case "local": {
      const embeddings =
        "fit" in input
          ? LocalEmbeddings.fit(input.fit.texts, { dim: config.LOCAL_EMBEDDINGS_DIM, aliases: input.fit.aliases })
          : new LocalEmbeddings(input.saved as LocalEmbedderState);
      return { ...identity, embeddings, state: embeddings.state };
    }
    case "transformers": {
      const { TransformersEmbeddings } = await import("./transformers.js");
      const embeddings = new TransformersEmbeddings({
        model: config.EMBEDDINGS_MODEL ?? "Xenova/bge-small-en-v1.5",
        localModelDir: config.EMBEDDINGS_MODEL_DIR,
      });
      return { ...identity, embeddings };
    }
    case "openai": {
      const { OpenAIEmbeddings } = await import("@langchain/openai");
      const embeddings = new OpenAIEmbeddings({
        model: identity.model,
        apiKey: config.OPENAI_API_KEY ?? "not-needed",
        configuration: config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : undefined,
        timeout: config.LLM_TIMEOUT_MS,
        maxRetries: config.LLM_MAX_RETRIES,
      });
      return { ...identity, embeddings };
    }
  }
}
