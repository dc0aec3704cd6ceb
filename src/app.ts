import type { AppConfig } from "./config/index.js";
import { AnswerCache, indexIdentity } from "./answer/cache.js";
import { AnswerService, type LlmAnswerer } from "./answer/pipeline.js";
import { TermStats } from "./retrieval/scoring.js";
import { HybridRetriever } from "./retrieval/hybrid.js";
import { ensureIndex, type BuildProgress, type EnsureResult, type LoadedIndex } from "./store/indexManager.js";
import { TextAnalyzer } from "./text/analyzer.js";

/** Everything a route or command needs, wired once from the configuration. */
export interface Services {
  config: AppConfig;
  index: LoadedIndex;
  analyzer: TextAnalyzer;
  stats: TermStats;
  retriever: HybridRetriever;
  answers: AnswerService;
  llm?: LlmAnswerer;
}

export async function createLlm(config: AppConfig): Promise<LlmAnswerer | undefined> {
  if (!config.llmEnabled) return undefined;
  const { createLlmAnswerer } = await import("./answer/llm.js");
  return createLlmAnswerer(config);
}

/**
 * Wires retrieval and answering over an index already in memory. Extractive answers are cached
 * (ANSWER_CACHE_SIZE entries; `options.cache` shares one cache across index loads: its keys carry
 * the index identity, so answers of another build are never served; share it only between
 * services of the same configuration, which the keys do not carry beyond `k`).
 */
export function servicesFromIndex(config: AppConfig, index: LoadedIndex, llm?: LlmAnswerer, options: { cache?: AnswerCache } = {}): Services {
  const analyzer = new TextAnalyzer(index.aliases);
  const stats = new TermStats(
    index.chunks.map((c) => c.pageContent),
    analyzer,
  );
  const contexts = new Map(index.documents.map((d) => [d.id, d.context ?? ""]));
  const contextOf = (documentId: string) => contexts.get(documentId) ?? "";
  const retriever = new HybridRetriever(index.store, index.chunks, analyzer, stats, contextOf);
  const texts = new Map(index.documents.map((d) => [d.id, d.text]));
  const cache = llm || config.ANSWER_CACHE_SIZE === 0 ? undefined : (options.cache ?? new AnswerCache(config.ANSWER_CACHE_SIZE));
  const answers = new AnswerService({
    retriever,
    stats,
    defaultK: config.RETRIEVAL_K,
    llm,
    contextOf,
    documentText: (id) => texts.get(id),
    cache,
    indexId: indexIdentity(index.manifest),
  });
  return { config, index, analyzer, stats, retriever, answers, llm };
}

/** The composition root: load or build the index, then wire the pipeline. */
export async function createServices(
  config: AppConfig,
  onProgress?: (p: BuildProgress) => void,
): Promise<{ services: Services; ensure: EnsureResult }> {
  const ensure = await ensureIndex(config, onProgress);
  const llm = await createLlm(config);
  return { services: servicesFromIndex(config, ensure.index, llm), ensure };
}
