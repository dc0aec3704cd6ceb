import { promises as fs } from "node:fs";
import path from "node:path";
import { parseConfig } from "../config/index.js";
import { scanCorpus } from "../ingest/load.js";
import { buildIndex, type BuildProgress } from "../store/indexManager.js";
import { round, runChild } from "./proc.js";

/** One index build, measured inside a fresh child process. */
export interface IngestMeasure {
  documents: number;
  chunks: number;
  /** Raw corpus bytes. */
  bytes: number;
  /** buildIndex wall time (load, clean, chunk, fit, embed, HNSW, atomic write). */
  ms: number;
  /** Milliseconds per phase, from the build's own progress events. */
  phases: Record<string, number>;
  mbPerS: number;
  chunksPerS: number;
  /** RSS of the child before the build (node + tsx + modules). */
  baselineRssMb: number;
  /** Peak RSS of the child over the build (getrusage maxrss). */
  peakRssMb: number;
}

/** Child side: builds the index of `corpusDir` into `indexDir` with the default settings. */
export async function measureIngest(
  corpusDir: string,
  indexDir: string,
  report?: (p: BuildProgress & { ms: number }) => void,
): Promise<IngestMeasure> {
  const config = parseConfig({ CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, LOG_LEVEL: "silent" });
  const baselineRssMb = round(process.memoryUsage().rss / 2 ** 20, 1);
  const files = await scanCorpus(config.corpusDir);
  const bytes = files.reduce((s, f) => s + (f.bytes?.length ?? 0), 0);
  const marks: [string, number][] = [];
  let lastReport = 0;
  const onProgress = (p: BuildProgress) => {
    const now = performance.now();
    if (marks[marks.length - 1]?.[0] !== p.phase) marks.push([p.phase, now]);
    if (report && now - lastReport > 1000) {
      lastReport = now;
      report({ ...p, ms: now - started });
    }
  };
  const started = performance.now();
  const result = await buildIndex(config, onProgress);
  const ms = performance.now() - started;
  const phases: Record<string, number> = {};
  marks.forEach(([phase, at], i) => {
    const next = marks[i + 1]?.[1] ?? started + ms;
    // "chunk" covers chunking, alias learning and fitting the embedder; "index" embeds each
    // batch of chunks and adds it to the graph.
    phases[phase === "chunk" ? "chunk+fit" : phase === "index" ? "embed+index" : phase] = round(next - at, 1);
  });
  const chunks = result.index.chunks.length;
  return {
    documents: result.index.documents.length,
    chunks,
    bytes,
    ms: round(ms, 1),
    phases,
    mbPerS: round(bytes / 1e6 / (ms / 1000), 3),
    chunksPerS: round(chunks / (ms / 1000), 1),
    baselineRssMb,
    peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
  };
}

/** Parent side: one build in a fresh child (clean RSS), given a generous heap for 100k chunks. */
export function ingestInChild(corpusDir: string, indexDir: string, timeoutMs: number): Promise<IngestMeasure> {
  return runChild<IngestMeasure>(["ingest", corpusDir, indexDir], { nodeArgs: ["--max-old-space-size=8192"], timeoutMs });
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

export function indexFile(indexDir: string): string {
  return path.join(indexDir, "hnsw.index");
}
