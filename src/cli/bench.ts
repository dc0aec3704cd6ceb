import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigSchema, parseConfig } from "../config/index.js";
import { loadCorpus } from "../ingest/load.js";
import { parseQuestionFile } from "../eval/metrics.js";
import { hnswInChild, type HnswMeasure } from "../bench/hnsw.js";
import { compareWithCeiling, load, startBenchServer, type LoadRequest, type LoadResult } from "../bench/http.js";
import { ingestInChild, removeDir, type IngestMeasure } from "../bench/ingest.js";
import { round, SERVER_NODE_ARGS } from "../bench/proc.js";
import {
  checkTargets,
  hnswSvg,
  hnswTable,
  httpTable,
  ingestTable,
  startupTable,
  targetsTable,
  type BenchReport,
  type SyntheticIngest,
} from "../bench/report.js";
import { measureStartup } from "../bench/startup.js";
import { sourceFrom, writeSyntheticCorpus } from "../bench/synthetic.js";
import { DEFAULT_HNSW } from "../store/hnswStore.js";
import { runCli } from "./run.js";

const SECTIONS = ["http", "startup", "ingest", "index"] as const;
const SIZES = [1_000, 10_000, 100_000];
/** The ef values the index section measures; always includes the service's own (DEFAULT_HNSW.efSearch). */
const EFS = [...new Set([16, 32, 64, 128, 256, DEFAULT_HNSW.efSearch])].sort((a, b) => a - b);
const CONNECTIONS = [1, 16, 64];
const DEFAULTS = parseConfig({});
/** The default chunking, which the bench's child builds use: synthetic sizes are calibrated on it. */
const CHUNKING = { chunkSize: DEFAULTS.CHUNK_SIZE, chunkOverlap: DEFAULTS.CHUNK_OVERLAP };

/**
 * Asks `question` twice as a client would, then once with `Cache-Control: no-cache`: the second
 * answer must say `cached: true` and the third must not, or the warm and cold rows mean nothing.
 */
async function checkAnswerCache(url: string, question: string): Promise<{ warmCached: boolean; coldCached: boolean }> {
  const post = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/api/ask`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ question }) });
    return (await res.json()) as { cached?: boolean };
  };
  await post();
  const warm = await post();
  const cold = await post({ "cache-control": "no-cache" });
  return { warmCached: warm.cached === true, coldCached: cold.cached === true };
}

/**
 * `npm run bench [-- --quick] [--max-chunks N] [--sizes 1k,10k,100k] [--budget S]
 * [--only http,startup,ingest,index] [--duration S] [--out DIR] [--keep] [--log-level info|silent]`: speed and memory of the
 * service, measured on this machine (not in CI).
 * Prints tables and a summary against the targets, writes JSON and hnsw.svg to bench-results/.
 * Everything runs on 127.0.0.1 in temp folders. README "Benchmarks" explains each figure.
 */
runCli(async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      "max-chunks": { type: "string" },
      only: { type: "string" },
      duration: { type: "string" },
      out: { type: "string", default: "bench-results" },
      keep: { type: "boolean", default: false },
      sizes: { type: "string" },
      budget: { type: "string" },
      "log-level": { type: "string", default: "info" },
      "answer-workers": { type: "string", default: "auto" },
    },
  });
  const quick = values.quick!;
  const runSeconds = values.duration ? Number(values.duration) : quick ? 2 : 5;
  if (!(runSeconds > 0 && runSeconds <= 60)) throw new Error("--duration: seconds per load run, 1..60");
  const maxChunks = values["max-chunks"] ? Number(values["max-chunks"]) : Infinity;
  if (!(maxChunks > 0)) throw new Error("--max-chunks: a positive number");
  const sizes = (values.sizes ? values.sizes.split(",").map((s) => Number(s.trim().replace(/k$/i, "000"))) : SIZES).filter(
    (s) => s <= maxChunks && (values.sizes !== undefined || !quick || s <= 10_000),
  );
  if (sizes.some((s) => !(s >= 100))) throw new Error("--sizes: chunk counts of at least 100, e.g. 1000,10000 or 1k,10k");
  const budgetS = values.budget !== undefined ? Number(values.budget) : quick ? 240 : 420;
  if (!(budgetS >= 0)) throw new Error("--budget: seconds (0 = no limit)");
  const logLevel = values["log-level"]!;
  if (!["info", "silent"].includes(logLevel)) throw new Error("--log-level: info (what npm start runs) or silent");
  const parsedWorkers = ConfigSchema.shape.ANSWER_WORKERS.safeParse(values["answer-workers"]);
  if (!parsedWorkers.success) throw new Error("--answer-workers: ANSWER_WORKERS of the server, auto (the default, what npm start runs) or 0-8");
  const answerWorkers = parsedWorkers.data;
  const sections = values.only ? values.only.split(",").map((s) => s.trim()) : [...SECTIONS];
  for (const s of sections) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section "${s}"; use ${SECTIONS.join(",")}`);

  const started = performance.now();
  const startedAt = new Date().toISOString();
  const corpusDir = path.resolve("corpus");
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "rag-bench-"));
  const errors: string[] = [];
  const report: Omit<BenchReport, "targets"> = {
    startedAt,
    durationS: 0,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      totalMemMb: Math.round(os.totalmem() / 2 ** 20),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAvg: os.loadavg().map((v) => round(v, 2)),
    },
    options: { quick, runSeconds, sizes, sections, budgetS },
    errors,
  };
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  const section = async (name: string, fn: () => Promise<void>) => {
    if (name !== "synthetic" && !sections.includes(name)) return;
    console.log(`\n== ${name} (${elapsed()})`);
    try {
      await fn();
    } catch (err) {
      const message = `${name}: ${(err as Error).message}`;
      errors.push(message);
      console.log(`  failed: ${message}`);
    }
  };
  console.log(`Benchmark on ${report.machine.cpus} CPUs (${report.machine.cpuModel}), load average ${report.machine.loadAvg.join(" ")}; temp folder ${tmp}`);

  try {
    await section("http", async () => {
      const all = parseQuestionFile(await fs.readFile("tests/eval/questions.jsonl", "utf8"));
      const step = Math.max(1, Math.floor(all.length / 10));
      const questions = all.filter((_, i) => i % step === 0).slice(0, 10).map((q) => q.question);
      const server = await startBenchServer(corpusDir, path.join(tmp, "serve-index"), tmp, { logLevel, answerWorkers });
      try {
        const ask = (cacheControl?: string): LoadRequest[] =>
          questions.map((q) => ({ method: "POST", path: "/api/ask", body: JSON.stringify({ question: q }), ...(cacheControl ? { headers: { "cache-control": cacheControl } } : {}) }));
        // Cold: `Cache-Control: no-cache` makes every ask retrieve and compose afresh (and store
        // the answer, as a miss does); what the service derives from a question's wording (its
        // terms, related words) is remembered from the last time. New: each ask is one of the
        // questions with a number no question had before, so that is computed afresh too. Warm:
        // the same questions, served from the answer cache.
        // `no-store`: these one-off answers are not written to the answer cache, where they
        // would push out the warm row's. The count runs over the whole bench, so no wording
        // repeats between runs; the number is a word no chunk holds, at full IDF weight, which
        // makes these questions a little harder than the cold row's (one of the ten abstains).
        let asked = 0;
        const fresh: LoadRequest[] = questions.map((q) => ({
          method: "POST",
          path: "/api/ask",
          headers: { "cache-control": "no-store" },
          bodyFor: () => JSON.stringify({ question: `${q} #${++asked}` }),
        }));
        const endpoints: [string, LoadRequest[], LoadResult["cache"]?][] = [
          ["GET /api/health", [{ method: "GET", path: "/api/health" }]],
          ["GET /api/search", questions.map((q) => ({ method: "GET", path: `/api/search?q=${encodeURIComponent(q)}&k=5` }))],
          ["POST /api/ask (cold)", ask("no-cache"), "cold"],
          ["POST /api/ask (new wording)", fresh, "new"],
          ["POST /api/ask (warm)", ask(), "warm"],
        ];
        for (const [name, requests] of endpoints) await load(server.url, name, requests, 16, Math.min(2, runSeconds)); // warm-up
        const cache = await checkAnswerCache(server.url, questions[0]!);
        const workers = server.answerWorkers;
        console.log(`  answers computed ${workers > 0 ? `by ${workers} worker thread${workers > 1 ? "s" : ""}` : "on the main thread"} (ANSWER_WORKERS=${answerWorkers}${answerWorkers === "auto" ? ", what npm start runs" : ""})`);
        console.log(`  answer cache: ${cache.warmCached ? "repeated question served from cache" : "repeated question NOT served from cache"}; no-cache request ${cache.coldCached ? "served from cache (cold figures are not cold)" : "computed afresh"}`);
        const afterWarmup = await server.memory();
        const runs: LoadResult[] = [];
        for (const connections of CONNECTIONS) {
          const [ceiling, ...rows] = endpoints;
          const measured = await compareWithCeiling(ceiling!, rows, async ([name, requests, cacheState]) => {
            const stopSampling = server.sampleRss();
            const r = await load(server.url, name, requests, connections, runSeconds);
            r.serverRssMaxMb = stopSampling();
            if (cacheState) r.cache = cacheState;
            console.log(`  ${name} x${connections}: ${r.rps} req/s, p95 ${r.p95Ms} ms`);
            return r;
          });
          runs.push(...measured);
        }
        const afterLoad = await server.memory();
        report.http = { server: `node ${SERVER_NODE_ARGS.join(" ")} dist/serve.js`, logLevel, answerWorkers, workers: server.answerWorkers, questions, answerCache: cache, runs, serving: { afterWarmup, afterLoad } };
        console.log(`\n${httpTable(runs)}`);
        console.log(`\nserver RSS: ${afterWarmup.rssMb} MB after warm-up; ${afterLoad.rssMb} MB after load, peak ${afterLoad.peakRssMb} MB`);
      } finally {
        await server.stop();
      }
    });

    await section("startup", async () => {
      const indexDir = path.join(tmp, "startup-index");
      report.startup = await measureStartup(corpusDir, indexDir, quick ? 2 : 3, () => removeDir(indexDir));
      console.log(`\n${startupTable(report.startup)}`);
    });

    const wantIngest = sections.includes("ingest");
    const wantIndex = sections.includes("index");
    await section("ingest", async () => {
      const runs: IngestMeasure[] = [];
      for (let i = 0; i < (quick ? 2 : 3); i++) {
        const dir = path.join(tmp, `corpus-index-${i}`);
        runs.push(await ingestInChild(corpusDir, dir, 120_000));
        await removeDir(dir);
      }
      const sorted = [...runs].sort((a, b) => a.ms - b.ms);
      const corpus = { ...sorted[Math.floor((sorted.length - 1) / 2)]!, runsMs: runs.map((r) => r.ms) };
      report.ingest = { corpus, synthetic: [] };
      console.log(`  corpus: ${corpus.chunks} chunks in ${(corpus.ms / 1000).toFixed(2)} s (median of ${runs.map((r) => (r.ms / 1000).toFixed(2)).join(", ")})`);
    });

    // Synthetic corpora: each size is generated, built in a child (ingest figures), measured by
    // the HNSW bench on that very index (index figures), then deleted. A size is skipped when
    // the previous size's time, scaled up, would not fit in what is left of --budget.
    const synthetic: SyntheticIngest[] = [];
    const hnsw: HnswMeasure[] = [];
    if (wantIngest || wantIndex) {
      await section("synthetic", async () => {
        const { documents } = await loadCorpus(corpusDir);
        const source = sourceFrom(documents.map((d) => d.text));
        let previous: { size: number; ms: number } | undefined;
        for (const size of sizes) {
          const left = budgetS > 0 ? budgetS * 1000 - (performance.now() - started) : Infinity;
          // Superlinear: HNSW inserts and alias learning cost more per chunk as the corpus grows.
          const predicted = previous ? previous.ms * (size / previous.size) * 1.5 : 0;
          if (predicted > left) {
            const skipped = `skipped: predicted ~${Math.round(predicted / 1000)} s (from the ~${previous!.size} run), ${Math.max(0, Math.round(left / 1000))} s of --budget ${budgetS} left`;
            synthetic.push({ targetChunks: size, files: 0, generateMs: 0, error: skipped });
            console.log(`  synthetic ~${size}: ${skipped}`);
            continue;
          }
          const t0 = performance.now();
          const dir = path.join(tmp, `synthetic-${size}`);
          const indexDir = path.join(tmp, `synthetic-index-${size}`);
          const written = await writeSyntheticCorpus(dir, source, size, CHUNKING);
          const generateMs = round(performance.now() - t0, 0);
          const limit = (ms: number) => Math.max(30_000, Math.min(ms, left - (performance.now() - t0)));
          try {
            const measure = await ingestInChild(dir, indexDir, limit(120_000 + size * 30));
            synthetic.push({ targetChunks: size, files: written.files, generateMs, measure });
            console.log(`  synthetic ~${size}: ${measure.chunks} chunks built in ${(measure.ms / 1000).toFixed(1)} s, peak RSS ${measure.peakRssMb} MB`);
            await removeDir(dir);
            if (wantIndex) {
              const m = await hnswInChild({ indexDir, corpusDir, efs: EFS, queries: quick ? 100 : 200, k: 10 }, limit(60_000 + size * 3));
              hnsw.push(m);
              console.log(`  HNSW ${m.vectors} vectors: ${m.rows.map((r) => `ef ${r.ef} recall ${r.recallAt10} p95 ${r.p95Ms} ms`).join("; ")}`);
            }
            previous = { size, ms: performance.now() - t0 };
          } catch (err) {
            synthetic.push({ targetChunks: size, files: written.files, generateMs, error: (err as Error).message });
            errors.push(`synthetic ~${size}: ${(err as Error).message}`);
            console.log(`  synthetic ~${size}: failed: ${(err as Error).message}`);
          } finally {
            await removeDir(dir);
            await removeDir(indexDir);
          }
        }
      });
    }
    if (report.ingest || synthetic.length) report.ingest = { ...report.ingest, synthetic };
    if (wantIndex) report.hnsw = hnsw;
    if (report.ingest) console.log(`\n${ingestTable(report.ingest.corpus, synthetic)}`);
    if (wantIndex && hnsw.length) console.log(`\n${hnswTable(hnsw)}`);
  } finally {
    if (!values.keep) await removeDir(tmp);
  }

  report.durationS = round((performance.now() - started) / 1000, 1);
  const full: BenchReport = { ...report, targets: checkTargets(report) };
  console.log(`\n== summary against the targets (reported, not asserted)\n\n${targetsTable(full.targets)}`);
  const outDir = path.resolve(values.out!);
  await fs.mkdir(outDir, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, "-");
  const json = JSON.stringify(full, null, 2);
  await fs.writeFile(path.join(outDir, `bench-${stamp}.json`), json);
  await fs.writeFile(path.join(outDir, "latest.json"), json);
  const written = [`bench-${stamp}.json`, "latest.json"];
  if (full.hnsw?.length) {
    await fs.writeFile(path.join(outDir, "hnsw.svg"), hnswSvg(full.hnsw));
    written.push("hnsw.svg");
  }
  console.log(`\n${errors.length ? `${errors.length} section(s) failed: ${errors.join("; ")}\n` : ""}Took ${full.durationS} s. Written to ${path.relative(process.cwd(), outDir) || "."}/: ${written.join(", ")}`);
});
