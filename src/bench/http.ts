import { spawn } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";
import { percentile } from "../eval/metrics.js";
import { buildServer, freePort, procMemory, ROOT, round, SERVER_NODE_ARGS, sleep } from "./proc.js";

export interface BenchServer {
  url: string;
  pid: number;
  /** Extraction workers the server runs, all ready (health's `answerer.workers`). */
  answerWorkers: number;
  /** Samples the server's RSS every 100 ms until the returned function is called, which returns the largest, in MB. */
  sampleRss(): () => number;
  /** The server's RSS and high-water mark, read from /proc by the parent (no hook in the server). */
  memory(): Promise<{ rssMb: number; peakRssMb: number }>;
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  /** LOG_LEVEL of the server: `info` (the default, what `npm start` runs; one JSON line per request to /dev/null) or `silent`. */
  logLevel?: string;
  /** Extra environment for the server (ANSWER_CACHE_SIZE...). */
  env?: Record<string, string>;
  /** ANSWER_WORKERS of the server (default `auto`); startup waits until the workers it starts are ready (health's `workersPlanned`). */
  answerWorkers?: number | "auto";
  timeoutMs?: number;
}

/**
 * Compiles dist/ the way `npm start` does and starts `node --enable-source-maps dist/serve.js`
 * (what `npm start` runs, minus npm) on a free 127.0.0.1 port; resolves once GET /api/health is 200
 * (the index is built on first start). The environment is explicit and the working folder is
 * `workDir`, so neither the caller's shell nor a `.env` file changes what is measured (no LLM, no
 * API key); the rate limit is set out of reach. Everything else is the service's defaults.
 */
export async function startBenchServer(corpusDir: string, indexDir: string, workDir: string, options: BenchServerOptions = {}): Promise<BenchServer> {
  buildServer();
  const port = await freePort();
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, path.join(ROOT, "dist", "serve.js")], {
    cwd: workDir,
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: String(port),
      CORPUS_DIR: corpusDir,
      INDEX_DIR: indexDir,
      RATE_LIMIT_MAX: "1000000000",
      LOG_LEVEL: options.logLevel ?? "info",
      LOG_FORMAT: "json",
      ANSWER_WORKERS: String(options.answerWorkers ?? "auto"),
      ...options.env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}`;
  let answerWorkers = 0;
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  for (;;) {
    if (exited) throw new Error(`bench server exited before it was healthy: ${stderr.trim()}`);
    if (performance.now() - started > timeoutMs) {
      child.kill("SIGKILL");
      throw new Error(`bench server was not healthy, with its answer workers ready, in time`);
    }
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      const body = (await res.json().catch(() => ({}))) as { answerer?: { workers?: number; workersPlanned?: number } };
      // Health says how many workers the server is starting (0 again if they failed to).
      if (res.status === 200 && (body.answerer?.workers ?? 0) >= (body.answerer?.workersPlanned ?? 0)) {
        answerWorkers = body.answerer?.workers ?? 0;
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    answerWorkers,
    memory: async () => procMemory(pid) ?? { rssMb: NaN, peakRssMb: NaN },
    sampleRss: () => {
      let max = procMemory(pid)?.rssMb ?? NaN;
      const timer = setInterval(() => {
        const rss = procMemory(pid)?.rssMb;
        if (rss !== undefined && !(rss <= max)) max = rss;
      }, 100);
      return () => {
        clearInterval(timer);
        const rss = procMemory(pid)?.rssMb;
        return rss !== undefined && !(rss <= max) ? rss : max;
      };
    },
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** A body made for each request sent (a question never asked before); sent as JSON. */
  bodyFor?: () => string;
}

export interface LoadResult {
  endpoint: string;
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** This endpoint's throughput over the trivial endpoint's at the same connections (ceilingRps). */
  ratioToCeiling?: number;
  /**
   * The trivial endpoint's throughput this row is compared with: the mean of its runs just before
   * and just after this one (see compareWithCeiling).
   */
  ceilingRps?: number;
  /** On the trivial endpoint's row: the throughput of each of its runs at these connections (the row is the median run). */
  runsRps?: number[];
  /** The server's largest RSS sampled every 100 ms during this run, in MB. */
  serverRssMaxMb?: number;
  /**
   * For /api/ask: `cold` (every ask computed: Cache-Control no-cache), `new` (every ask a wording
   * never seen, so nothing derived from the question is remembered either) or `warm` (repeated
   * questions, answered from the cache).
   */
  cache?: "cold" | "new" | "warm";
}

/**
 * One bounded autocannon run against `url`, cycling through `requests` on every connection.
 * Latency percentiles come from every response's own time (autocannon's histogram has no p95).
 */
export function load(url: string, endpoint: string, requests: LoadRequest[], connections: number, durationS: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    let non2xx = 0;
    const instance = autocannon(
      {
        url,
        connections,
        duration: durationS,
        pipelining: 1,
        timeout: 10,
        requests: requests.map((r) => {
          const headers = { ...(r.body !== undefined || r.bodyFor ? { "content-type": "application/json" } : {}), ...r.headers };
          const bodyFor = r.bodyFor;
          return {
            method: r.method,
            path: r.path,
            ...(r.body !== undefined ? { body: r.body } : {}),
            ...(Object.keys(headers).length ? { headers } : {}),
            ...(bodyFor ? { setupRequest: (req: object) => ({ ...req, body: bodyFor() }) } : {}),
          };
        }),
      },
      (err, result) => {
        if (err) return reject(err);
        const seconds = result.duration || durationS;
        resolve({
          endpoint,
          connections,
          durationS: round(seconds, 2),
          requests: times.length,
          rps: round(times.length / seconds, 1),
          p50Ms: round(percentile(times, 50), 2),
          p95Ms: round(percentile(times, 95), 2),
          p99Ms: round(percentile(times, 99), 2),
          maxMs: round(times.reduce((m, t) => Math.max(m, t), 0), 2),
          non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      times.push(responseTime);
      if (statusCode < 200 || statusCode >= 300) non2xx++;
    });
  });
}

/**
 * Throughput ratios against a ceiling measured next to each row. This machine's speed drifts by a
 * tenth to a quarter within a minute, so a ceiling measured once, many runs before, would make
 * the ratio follow the drift. `measure` runs the trivial endpoint (`ceiling`) first and again after
 * each of the other rows, and each row is compared with the mean of the ceiling runs around it.
 * Returns the ceiling's median run (with every run's rate in `runsRps`), then the rows in order.
 */
export async function compareWithCeiling<T>(
  ceiling: T,
  rows: readonly T[],
  measure: (what: T) => Promise<LoadResult>,
): Promise<LoadResult[]> {
  const ceilingRuns = [await measure(ceiling)];
  const measured: LoadResult[] = [];
  for (const row of rows) {
    const r = await measure(row);
    ceilingRuns.push(await measure(ceiling));
    const around = ceilingRuns.slice(-2);
    r.ceilingRps = round((around[0]!.rps + around[1]!.rps) / 2, 1);
    if (r.ceilingRps > 0) r.ratioToCeiling = round(r.rps / r.ceilingRps, 3);
    measured.push(r);
  }
  const byRate = [...ceilingRuns].sort((a, b) => a.rps - b.rps);
  const median = { ...byRate[Math.floor((byRate.length - 1) / 2)]!, runsRps: ceilingRuns.map((r) => r.rps) };
  return [median, ...measured];
}
