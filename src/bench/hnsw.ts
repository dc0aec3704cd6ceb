import { promises as fs } from "node:fs";
import path from "node:path";
import hnswlib from "hnswlib-node";
import { LocalEmbeddings, type LocalEmbedderState } from "../embeddings/local.js";
import { percentile } from "../eval/metrics.js";
import { loadCorpus } from "../ingest/load.js";
import { DEFAULT_HNSW, queryPoint } from "../store/hnswStore.js";
import { round, runChild } from "./proc.js";
import { sourceFrom, SyntheticWriter } from "./synthetic.js";

const { HierarchicalNSW } = hnswlib;

export interface HnswBenchInput {
  /** An index folder written by buildIndex over a synthetic corpus (its hnsw.index and embedder.json). */
  indexDir: string;
  /** The real corpus: the query generator draws its sentences from it. */
  corpusDir: string;
  efs: number[];
  queries: number;
  k: number;
}

export interface HnswEfRow {
  ef: number;
  /** Share of the exact top 10 that HNSW returns. */
  recallAt10: number;
  /**
   * Share of HNSW's 10 whose exact similarity is within 1% of the exact 10th neighbour's:
   * misses that are near-ties of a true neighbour count as found.
   */
  nearRecallAt10: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
}

export interface HnswMeasure {
  vectors: number;
  dims: number;
  queries: number;
  /** The build parameters of the index measured (the service's DEFAULT_HNSW). */
  m: number;
  efConstruction: number;
  /** ef the service searches with (DEFAULT_HNSW.efSearch). */
  serviceEf: number;
  loadMs: number;
  /** Brute-force exact top-k time per query (the baseline HNSW replaces). */
  exactMsPerQuery: number;
  /**
   * How crowded the neighbourhoods are (medians over queries of the exact cosine similarity of
   * the 1st, 10th and 50th neighbour): when the 10th and 50th are close, many points are
   * near-ties for the last places of the top 10 and recall@10 is hard to reach.
   */
  crowding: { first: number; tenth: number; fiftieth: number };
  rows: HnswEfRow[];
}

/**
 * Child side: HNSW recall@k against exact (brute-force cosine) search, and query latency,
 * for each ef. The vectors are the real local embeddings of the synthetic chunks, read back
 * from the index the ingest bench built (same M / efConstruction as the service); the queries
 * are new synthetic sentences embedded by the same fitted embedder, so they are in-domain but
 * never identical to an indexed chunk.
 */
export async function measureHnsw(input: HnswBenchInput): Promise<HnswMeasure> {
  const t0 = performance.now();
  const saved = JSON.parse(await fs.readFile(path.join(input.indexDir, "embedder.json"), "utf8")) as { state: LocalEmbedderState };
  const embedder = new LocalEmbeddings(saved.state);
  const dims = saved.state.dim;
  const index = new HierarchicalNSW("cosine", dims);
  index.readIndexSync(path.join(input.indexDir, "hnsw.index"));
  const n = index.getCurrentCount();
  const loadMs = performance.now() - t0;

  // Stored vectors (hnswlib keeps them normalised for cosine), row-major.
  const data = new Float32Array(n * dims);
  for (let label = 0; label < n; label++) data.set(index.getPoint(label), label * dims);

  const { documents } = await loadCorpus(input.corpusDir);
  const writer = new SyntheticWriter(sourceFrom(documents.map((d) => d.text)), 9_001);
  const queries: number[][] = [];
  for (let i = 0; i < input.queries; i++) queries.push(embedder.embedText(writer.sentence()));
  // As HnswStore passes them (a Float32Array where the addon takes one: a single copy).
  const points = queries.map((q) => queryPoint(q));

  // Exact neighbours by inner product over the query's non-zero entries (queries are sparse).
  // The top 50 are kept to describe how crowded the neighbourhood is (see HnswMeasure.crowding).
  const keep = Math.max(input.k, 50);
  const sparse = queries.map((q) => {
    const idx: number[] = [];
    q.forEach((v, j) => {
      if (v !== 0) idx.push(j);
    });
    return { idx, vals: idx.map((j) => q[j]!) };
  });
  const similarity = (qi: number, label: number) => {
    const { idx, vals } = sparse[qi]!;
    const base = label * dims;
    let s = 0;
    for (let t = 0; t < idx.length; t++) s += vals[t]! * data[base + idx[t]!]!;
    return s;
  };
  const exact: { top: Set<number>; kth: number; first: number; fiftieth: number }[] = [];
  const te = performance.now();
  queries.forEach((_, qi) => {
    const best: { label: number; score: number }[] = [];
    let floor = -Infinity;
    for (let label = 0; label < n; label++) {
      const s = similarity(qi, label);
      if (best.length < keep || s > floor) {
        let at = best.length;
        while (at > 0 && best[at - 1]!.score < s) at--;
        best.splice(at, 0, { label, score: s });
        if (best.length > keep) best.pop();
        floor = best[best.length - 1]!.score;
      }
    }
    exact.push({
      top: new Set(best.slice(0, input.k).map((b) => b.label)),
      kth: best[Math.min(input.k, best.length) - 1]?.score ?? 0,
      first: best[0]?.score ?? 0,
      fiftieth: best[best.length - 1]?.score ?? 0,
    });
  });
  const exactMsPerQuery = (performance.now() - te) / queries.length;

  // Each query is timed in three passes and its median kept, so a scheduler hiccup on a busy
  // machine does not pass for a slow query; the percentiles are over queries.
  const rows: HnswEfRow[] = [];
  for (const ef of input.efs) {
    index.setEf(Math.max(ef, input.k));
    for (const q of points.slice(0, 20)) index.searchKnn(q, input.k); // warm caches
    const passes: number[][] = [[], [], []];
    let hits = 0;
    let near = 0;
    for (const pass of passes) {
      const count = pass === passes[0];
      points.forEach((q, i) => {
        const t = performance.now();
        const result = index.searchKnn(q, input.k);
        pass.push(performance.now() - t);
        if (!count) return;
        const truth = exact[i]!;
        for (const label of result.neighbors) {
          if (truth.top.has(label)) hits++;
          if (truth.top.has(label) || similarity(i, label) >= truth.kth * 0.99) near++;
        }
      });
    }
    const times = queries.map((_, i) => percentile(passes.map((p) => p[i]!), 50));
    rows.push({
      ef,
      recallAt10: round(hits / (queries.length * input.k), 4),
      nearRecallAt10: round(near / (queries.length * input.k), 4),
      p50Ms: round(percentile(times, 50), 3),
      p95Ms: round(percentile(times, 95), 3),
      meanMs: round(times.reduce((s, t) => s + t, 0) / times.length, 3),
    });
  }
  return {
    vectors: n,
    dims,
    queries: queries.length,
    m: DEFAULT_HNSW.m,
    efConstruction: DEFAULT_HNSW.efConstruction,
    serviceEf: DEFAULT_HNSW.efSearch,
    loadMs: round(loadMs, 1),
    exactMsPerQuery: round(exactMsPerQuery, 2),
    crowding: {
      first: round(percentile(exact.map((e) => e.first), 50), 4),
      tenth: round(percentile(exact.map((e) => e.kth), 50), 4),
      fiftieth: round(percentile(exact.map((e) => e.fiftieth), 50), 4),
    },
    rows,
  };
}

export function hnswInChild(input: HnswBenchInput, timeoutMs: number): Promise<HnswMeasure> {
  return runChild<HnswMeasure>(["hnsw", JSON.stringify(input)], { nodeArgs: ["--max-old-space-size=8192"], timeoutMs });
}
