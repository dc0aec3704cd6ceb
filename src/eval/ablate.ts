import { toCitation } from "../answer/extractive.js";
import type { Answer } from "../answer/types.js";
import type { HybridOptions } from "../retrieval/hybrid.js";
import type { Passage } from "../retrieval/types.js";
import type { EvalMetrics, EvalQuestion, QuestionOutcome } from "./metrics.js";
import { runEval, type EvalTarget } from "./run.js";

/**
 * The ablation study behind `npm run eval -- --ablate`: one row per configuration, so each
 * part of the pipeline (dense retrieval, BM25, their fusion, the sentence reranker, the
 * extractive answerer) is measured by what removing or replacing it costs.
 */
export interface AblationConfig {
  id: string;
  label: string;
  /** Overrides of the default retrieval (DEFAULT_HYBRID); `{}` is the default. */
  retrieval: Partial<HybridOptions>;
  answerer: "extractive" | "naive";
  /** false runs the row without the word vectors' related terms (exact and stemmed matches only). */
  wordVectors?: boolean;
}

/**
 * Rows in the order they build up to the default. The single-ranker rows run without the
 * reranker so each row adds one part to the one above it; the last row swaps the extractive
 * answerer for the naive baseline over the default retrieval.
 */
export const ABLATION_CONFIGS: readonly AblationConfig[] = [
  { id: "dense", label: "dense only", retrieval: { mode: "dense", rerankDepth: 0 }, answerer: "extractive" },
  { id: "bm25", label: "BM25 only", retrieval: { mode: "bm25", rerankDepth: 0 }, answerer: "extractive" },
  { id: "hybrid", label: "hybrid, no rerank", retrieval: { mode: "hybrid", rerankDepth: 0 }, answerer: "extractive" },
  { id: "no-vectors", label: "hybrid + rerank, no word vectors", retrieval: {}, answerer: "extractive", wordVectors: false },
  { id: "default", label: "hybrid + rerank (default)", retrieval: {}, answerer: "extractive" },
  { id: "naive", label: "default retrieval, naive answerer", retrieval: {}, answerer: "naive" },
];

/** The id of the row that is the shipped pipeline: its outcomes are the report's `outcomes`. */
export const DEFAULT_CONFIG_ID = "default";

export interface NaiveOptions {
  /** How many top passages are quoted. */
  passages: number;
  /** Characters quoted from the start of each. */
  chars: number;
}

export const NAIVE_BASELINE: NaiveOptions = { passages: 3, chars: 300 };

/**
 * The naive baseline answerer: the first `chars` characters of each of the top `passages`
 * passages, one per line, each followed by its [n] citation. It never abstains. Lines (not
 * spaces) separate the excerpts so that a cut mid-sentence never lends one excerpt's text
 * to the next excerpt's marker when citation support is scored.
 */
export function naiveAnswer(question: string, passages: Passage[], options: NaiveOptions = NAIVE_BASELINE): Answer {
  const top = passages.slice(0, options.passages);
  const citations = top.map((p, i) => toCitation(p, i + 1));
  const answer = top.map((p, i) => `${p.text.slice(0, options.chars).trim()} [${i + 1}]`).join("\n");
  return {
    answer,
    citations,
    abstained: false,
    mode: "extractive",
    warnings: [],
    query: question,
    timings: { retrievalMs: 0, generationMs: 0, totalMs: 0 },
  };
}

/** What the ablation drives: the in-process pipeline, with retrieval options per call. */
export interface AblationPipeline {
  search(query: string, k: number, retrieval: Partial<HybridOptions>): Promise<Passage[]>;
  /** The extractive answer over the given retrieval. */
  ask(question: string, retrieval: Partial<HybridOptions>): Promise<Answer>;
  /** Turns the word vectors' related terms off and on again (rows with `wordVectors: false`). */
  useWordVectors?(on: boolean): void;
}

/** The eval target of one configuration. */
export function targetFor(config: AblationConfig, pipeline: AblationPipeline): EvalTarget {
  return {
    search: async (q, k) => (await pipeline.search(q, k, config.retrieval)).map((p) => p.text),
    ask:
      config.answerer === "naive"
        ? async (question) => naiveAnswer(question, await pipeline.search(question, NAIVE_BASELINE.passages, config.retrieval))
        : (question) => pipeline.ask(question, config.retrieval),
  };
}

export interface AblationRow {
  id: string;
  label: string;
  retrieval: Partial<HybridOptions>;
  answerer: AblationConfig["answerer"];
  metrics: EvalMetrics;
}

export interface AblationResult {
  rows: AblationRow[];
  /** Per-question outcomes of every configuration, by config id. */
  outcomes: Record<string, QuestionOutcome[]>;
}

/**
 * Runs every configuration over the same questions. A first unrecorded pass warms the JIT
 * and caches so the first row's timings are not penalised.
 */
export async function runAblation(
  questions: EvalQuestion[],
  pipeline: AblationPipeline,
  configs: readonly AblationConfig[] = ABLATION_CONFIGS,
  options: { warmup?: boolean } = {},
): Promise<AblationResult> {
  const run = async (c: AblationConfig, qs: EvalQuestion[]) => {
    const off = c.wordVectors === false && pipeline.useWordVectors !== undefined;
    if (off) pipeline.useWordVectors!(false);
    try {
      return await runEval(qs, targetFor(c, pipeline));
    } finally {
      if (off) pipeline.useWordVectors!(true);
    }
  };
  if (options.warmup ?? true) {
    for (const c of configs) await run(c, questions.slice(0, 10));
  }
  const rows: AblationRow[] = [];
  const outcomes: Record<string, QuestionOutcome[]> = {};
  for (const c of configs) {
    const result = await run(c, questions);
    rows.push({ id: c.id, label: c.label, retrieval: c.retrieval, answerer: c.answerer, metrics: result.metrics });
    outcomes[c.id] = result.outcomes;
  }
  return { rows, outcomes };
}

/** Columns of the ablation table: header and how a row's metrics print. */
const COLUMNS: { header: string; value: (m: EvalMetrics) => number; digits: number }[] = [
  { header: "recall@5", value: (m) => m.recallAt5, digits: 3 },
  { header: "MRR@10", value: (m) => m.mrrAt10, digits: 3 },
  { header: "fact recall", value: (m) => m.factRecall, digits: 3 },
  { header: "cit. support", value: (m) => m.citationSupport, digits: 3 },
  { header: "abstention", value: (m) => m.abstention, digits: 3 },
  { header: "false abst.", value: (m) => m.falseAbstention, digits: 3 },
  { header: "p50 ms", value: (m) => m.p50Ms, digits: 2 },
  { header: "p95 ms", value: (m) => m.p95Ms, digits: 2 },
];

/** A plain-text table, one row per configuration (monospace, for the terminal). */
export function formatAblationTable(rows: { label: string; metrics: EvalMetrics }[]): string {
  const labelWidth = Math.max("configuration".length, ...rows.map((r) => r.label.length));
  const widths = COLUMNS.map((c) => Math.max(c.header.length, 6));
  const line = (label: string, cells: string[]) => [label.padEnd(labelWidth), ...cells.map((c, i) => c.padStart(widths[i]!))].join("  ");
  const out = [line("configuration", COLUMNS.map((c) => c.header))];
  out.push("-".repeat(out[0]!.length));
  for (const r of rows) out.push(line(r.label, COLUMNS.map((c) => c.value(r.metrics).toFixed(c.digits))));
  return out.join("\n");
}
