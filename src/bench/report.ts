import type { HnswMeasure } from "./hnsw.js";
import type { LoadResult } from "./http.js";
import type { IngestMeasure } from "./ingest.js";
import type { StartupMeasure } from "./startup.js";
import { lineChartSvg } from "./svg.js";

/** What `npm run bench` writes to bench-results/ (and prints). */
export interface BenchReport {
  startedAt: string;
  durationS: number;
  machine: { cpus: number; cpuModel: string; totalMemMb: number; node: string; platform: string; loadAvg: number[] };
  options: { quick: boolean; runSeconds: number; sizes: number[]; sections: string[]; budgetS: number };
  http?: {
    /** What was measured: the compiled server `npm start` runs. */
    server: string;
    /** The server's LOG_LEVEL (info: one JSON log line per request, to /dev/null). */
    logLevel: string;
    /** The server's ANSWER_WORKERS (`auto`, what `npm start` runs, or a number). */
    answerWorkers: number | "auto";
    /** Extraction workers the server ran (0: answers computed on the main thread). */
    workers: number;
    questions: string[];
    /** Checked after warm-up: a repeated question came from the cache; a no-cache ask did not. */
    answerCache: { warmCached: boolean; coldCached: boolean };
    runs: LoadResult[];
    /** The server child's memory after warm-up requests, and after every load run (peak = high-water mark). */
    serving: { afterWarmup: MemoryFigures; afterLoad: MemoryFigures };
  };
  startup?: StartupMeasure;
  ingest?: {
    corpus?: IngestMeasure & { runsMs: number[] };
    synthetic: SyntheticIngest[];
  };
  hnsw?: HnswMeasure[];
  targets: TargetCheck[];
  errors: string[];
}

/** Read from /proc/<pid>/status by the parent. */
export interface MemoryFigures {
  rssMb: number;
  peakRssMb: number;
}

export type SyntheticIngest = { targetChunks: number; files: number; generateMs: number } & ({ measure: IngestMeasure } | { error: string });

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  /** null when the figure was not measured in this run. */
  met: boolean | null;
}

/** A monospace table: the first column (or every column, for text) left-aligned, figures right-aligned. */
export function table(headers: string[], rows: (string | number)[][], align: "figures" | "left" = "figures"): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || align === "left" ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

const f = (v: number, d = 1) => v.toFixed(d);

export function httpTable(runs: LoadResult[]): string {
  return table(
    ["endpoint", "conns", "req/s", "trivial req/s", "x trivial", "p50 ms", "p95 ms", "p99 ms", "non-2xx", "errors", "RSS MB (max)"],
    runs.map((r) => [
      r.endpoint,
      r.connections,
      f(r.rps),
      // The trivial endpoint's own row gives the range of its runs; the others, the ceiling they are compared with.
      r.runsRps ? `${f(Math.min(...r.runsRps), 0)}-${f(Math.max(...r.runsRps), 0)}` : r.ceilingRps === undefined ? "-" : f(r.ceilingRps, 0),
      r.ratioToCeiling === undefined ? "-" : f(r.ratioToCeiling, 2),
      f(r.p50Ms, 2),
      f(r.p95Ms, 2),
      f(r.p99Ms, 2),
      r.non2xx,
      r.errors + r.timeouts,
      r.serverRssMaxMb === undefined || Number.isNaN(r.serverRssMaxMb) ? "-" : f(r.serverRssMaxMb, 0),
    ]),
  );
}

export function ingestTable(corpus: IngestMeasure | undefined, synthetic: SyntheticIngest[]): string {
  const rows: (string | number)[][] = [];
  const row = (name: string, m: IngestMeasure) => [
    name,
    m.documents,
    m.chunks,
    f(m.bytes / 1e6, 2),
    f(m.ms / 1000, 2),
    f(m.mbPerS, 3),
    f(m.chunksPerS, 0),
    f(m.peakRssMb, 0),
    Object.entries(m.phases)
      .map(([k, v]) => `${k} ${f(v / 1000, 1)}`)
      .join(", "),
  ];
  if (corpus) rows.push(row("corpus", corpus));
  for (const s of synthetic) {
    if ("measure" in s) rows.push(row(`synthetic ~${s.targetChunks}`, s.measure));
    else rows.push([`synthetic ~${s.targetChunks}`, s.files || "-", "-", "-", "-", "-", "-", "-", s.error.startsWith("skipped") ? s.error : `failed: ${s.error}`]);
  }
  return table(["corpus", "docs", "chunks", "MB", "build s", "MB/s", "chunks/s", "peak RSS MB", "phases (s)"], rows);
}

export function hnswTable(measures: HnswMeasure[]): string {
  const rows: (string | number)[][] = [];
  for (const m of measures) {
    for (const r of m.rows) {
      rows.push([
        m.vectors,
        r.ef === m.serviceEf ? `${r.ef} (service)` : r.ef,
        f(r.recallAt10, 3),
        f(r.nearRecallAt10, 3),
        f(r.p50Ms, 3),
        f(r.p95Ms, 3),
        f(m.exactMsPerQuery, 1),
        `${f(m.crowding.first, 3)} / ${f(m.crowding.tenth, 3)} / ${f(m.crowding.fiftieth, 3)}`,
      ]);
    }
  }
  return table(["vectors", "ef", "recall@10", "within 1%", "p50 ms", "p95 ms", "exact ms/q", "cos #1 / #10 / #50"], rows);
}

export function startupTable(s: StartupMeasure): string {
  const row = (name: string, m: StartupMeasure["withIndex"]) => [name, f(m.medianMs / 1000, 2), m.runs.map((r) => f(r.ms / 1000, 2)).join(" / "), f(m.runs[0]?.listeningMs ?? 0, 0)];
  return table(["start", "healthy after s (median)", "runs (s)", "listening after ms"], [row("with existing index", s.withIndex), row("without index (builds it)", s.withoutIndex)]);
}

/** The targets, checked against what was measured (reported, never asserted). */
export function checkTargets(r: Omit<BenchReport, "targets">): TargetCheck[] {
  const out: TargetCheck[] = [];
  // Every ask row: cold (answer computed, the question's wording seen before), new (a wording
  // never seen: the most a question costs) and warm (a repeated question, from the answer cache).
  for (const cache of ["cold", "new", "warm"] as const) {
    const ask16 = r.http?.runs.find((x) => x.endpoint.startsWith("POST /api/ask") && x.cache === cache && x.connections === 16);
    out.push({
      name: `/api/ask (${cache}) p95 at 16 connections`,
      target: "<= 20 ms",
      measured: ask16 ? `${f(ask16.p95Ms, 2)} ms` : "not measured",
      met: ask16 ? ask16.p95Ms <= 20 : null,
    });
    out.push({
      name: `/api/ask (${cache}) throughput vs /api/health (16 conns)`,
      target: ">= 50%",
      measured: ask16?.ratioToCeiling !== undefined ? `${f(ask16.ratioToCeiling * 100, 1)}% (${f(ask16.rps, 0)} req/s)` : "not measured",
      met: ask16?.ratioToCeiling !== undefined ? ask16.ratioToCeiling >= 0.5 : null,
    });
  }
  out.push({
    name: "healthy after start, existing index",
    target: "<= 1.5 s",
    measured: r.startup ? `${f(r.startup.withIndex.medianMs / 1000, 2)} s (median)` : "not measured",
    met: r.startup ? r.startup.withIndex.medianMs <= 1500 : null,
  });
  const corpus = r.ingest?.corpus;
  out.push({
    name: "corpus ingest (buildIndex)",
    target: "<= 2 s",
    measured: corpus ? `${f(corpus.ms / 1000, 2)} s (median)` : "not measured",
    met: corpus ? corpus.ms <= 2000 : null,
  });
  const largest = [...(r.hnsw ?? [])].sort((a, b) => b.vectors - a.vectors)[0];
  const big = largest && largest.vectors >= 90_000 ? largest : undefined;
  const svc = big?.rows.find((x) => x.ef === big.serviceEf);
  const firstOk = big?.rows.filter((x) => x.recallAt10 >= 0.95).sort((a, b) => a.ef - b.ef)[0];
  out.push({
    name: `HNSW at ${big ? big.vectors : "100k"} vectors, service ef`,
    target: "recall@10 >= 0.95, p95 <= 5 ms",
    measured: svc
      ? `ef ${svc.ef}: recall ${f(svc.recallAt10, 3)}, p95 ${f(svc.p95Ms, 2)} ms` +
        (firstOk ? `; lowest ef with recall >= 0.95: ${firstOk.ef} (p95 ${f(firstOk.p95Ms, 2)} ms)` : "; no ef reached 0.95")
      : largest
        ? `not measured at 100k (largest: ${largest.vectors} vectors, ef ${largest.serviceEf}: recall ${f(largest.rows.find((x) => x.ef === largest.serviceEf)?.recallAt10 ?? 0, 3)}, p95 ${f(largest.rows.find((x) => x.ef === largest.serviceEf)?.p95Ms ?? 0, 2)} ms)`
        : "not measured",
    met: svc ? svc.recallAt10 >= 0.95 && svc.p95Ms <= 5 : null,
  });
  const serving = r.http?.serving;
  out.push({
    name: "RSS while serving the corpus",
    target: "<= 250 MB",
    measured: serving ? `${f(serving.afterWarmup.rssMb, 0)} MB after warm-up, peak ${f(serving.afterLoad.peakRssMb, 0)} MB under load` : "not measured",
    met: serving ? serving.afterLoad.peakRssMb <= 250 : null,
  });
  return out;
}

export function targetsTable(targets: TargetCheck[]): string {
  return table(
    ["target", "wanted", "measured", "met"],
    targets.map((t) => [t.name, t.target, t.measured, t.met === null ? "n/a" : t.met ? "yes" : "NO"]),
    "left",
  );
}

/** bench-results/hnsw.svg: recall@10 and p95 query time against index size, one line per ef. */
export function hnswSvg(measures: HnswMeasure[]): string {
  const efs = [...new Set(measures.flatMap((m) => m.rows.map((r) => r.ef)))].sort((a, b) => a - b);
  const series = (pick: (r: HnswMeasure["rows"][number]) => number) =>
    efs.map((ef) => ({
      label: `ef ${ef}`,
      points: measures.flatMap((m) => m.rows.filter((r) => r.ef === ef).map((r) => ({ x: m.vectors, y: pick(r) }))),
    }));
  const dims = measures[0]?.dims ?? 0;
  return lineChartSvg(
    "HNSW (hnswlib, cosine): recall and query time against index size",
    [
      { title: "recall@10 vs exact search", yLabel: "recall@10", series: series((r) => r.recallAt10), yMin: Math.min(0.9, Math.floor((Math.min(...measures.flatMap((m) => m.rows.map((r) => r.recallAt10))) - 0.02) * 20) / 20), yMax: 1, target: { y: 0.95, label: "target 0.95" } },
      { title: "query time p95 (single thread)", yLabel: "ms", series: series((r) => r.p95Ms), target: { y: 5, label: "target 5 ms" } },
    ],
    `${dims}-dim local embeddings of synthetic chunks; M ${measures[0]?.m ?? "?"}, efConstruction ${measures[0]?.efConstruction ?? "?"}; ${measures[0]?.queries ?? 0} queries per point`,
  );
}
