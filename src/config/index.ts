import { config as loadDotenv } from "dotenv";
import path from "node:path";
import { z } from "zod";

/**
 * Every setting the service reads, with its default. `.env.example` mirrors this list;
 * a test keeps the two in step.
 */
const boolean = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const emptyAsUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const ConfigSchema = z.object({
  CORPUS_DIR: z.string().min(1).default("corpus"),
  INDEX_DIR: z.string().min(1).default("data/index"),
  EMBEDDINGS_PROVIDER: z.enum(["local", "transformers", "openai"]).default("local"),
  EMBEDDINGS_MODEL: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
  EMBEDDINGS_MODEL_DIR: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
  LOCAL_EMBEDDINGS_DIM: z.coerce.number().int().min(64).max(16384).default(2048),
  CHUNK_SIZE: z.coerce.number().int().min(100).max(8000).default(700),
  CHUNK_OVERLAP: z.coerce.number().int().min(0).max(2000).default(150),
  RETRIEVAL_K: z.coerce.number().int().min(1).max(20).default(5),
  WORD_VECTORS: z.enum(["on", "off"]).default("on"),
  /** Extractive answers kept in memory (least recently used evicted); 0 turns the cache off. */
  ANSWER_CACHE_SIZE: z.coerce.number().int().min(0).max(100_000).default(256),
  /**
   * Worker threads computing extractive answers while the main thread serves HTTP: 0-8, or
   * `auto` (the default: one on a machine with two or more CPUs, for an index of at most
   * AUTO_WORKER_MAX_CHUNKS chunks; see planExtractionWorkers). 0 computes them on the main
   * thread. Each worker holds its own copy of the index.
   */
  ANSWER_WORKERS: z.preprocess(
    (v) => (typeof v === "string" ? emptyAsUndefined(v.trim().toLowerCase()) : v),
    z.union([z.literal("auto"), z.coerce.number().int().min(0).max(8)], { error: "expected auto or a whole number from 0 to 8" }).default("auto"),
  ),
  OPENAI_API_KEY: z.preprocess(emptyAsUndefined, z.string().min(1).optional()),
  OPENAI_BASE_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  OPENAI_MODEL: z.string().min(1).default("gpt-4o-mini"),
  OPENAI_EMBEDDINGS_MODEL: z.string().min(1).default("text-embedding-3-small"),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(1),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  API_KEY: z.preprocess(emptyAsUndefined, z.string().min(8).optional()),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(120),
  /**
   * Which proxies may set X-Forwarded-For: a hop count ("1"), or addresses/subnets/names that
   * Express understands ("loopback", "10.0.0.0/8"). "true" means one hop: trusting every hop
   * would let any client pick its own address and walk past the rate limit.
   */
  TRUST_PROXY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^(?:false|true|\d{1,2}|[\w.:/, -]+)$/, "a hop count (1), true (= 1 hop), false, or addresses/subnets such as loopback, 10.0.0.0/8")
      .transform((v): false | number | string => (v === "false" ? false : v === "true" ? 1 : /^\d+$/.test(v) ? Number(v) : v))
      .optional(),
  ),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
});

export type AppConfig = z.infer<typeof ConfigSchema> & {
  /** Absolute paths, resolved against the working directory. */
  corpusDir: string;
  indexDir: string;
  /** True when an OpenAI-compatible endpoint is configured for answering. */
  llmEnabled: boolean;
};

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; expected: string }[]) {
    super(
      "Invalid configuration:\n" +
        issues.map((i) => `  ${i.variable}: ${i.expected}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Validates an environment map. Pure: tests pass their own map. */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): AppConfig {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "(environment)"),
        expected: issue.message,
      })),
    );
  }
  const c = result.data;
  return {
    ...c,
    corpusDir: path.resolve(cwd, c.CORPUS_DIR),
    indexDir: path.resolve(cwd, c.INDEX_DIR),
    llmEnabled: Boolean(c.OPENAI_API_KEY || c.OPENAI_BASE_URL),
  };
}

/** Reads `.env` (if any) then the process environment; the latter wins. Fails fast. */
export function loadConfig(): AppConfig {
  loadDotenv({ quiet: true });
  return parseConfig(process.env);
}
