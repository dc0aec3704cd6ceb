import type { Server } from "node:http";
import autocannon from "autocannon";
import { servicesFromIndex } from "../app.js";
import { parseConfig } from "../config/index.js";
import { percentile } from "../eval/metrics.js";
import { createApp, type AppState } from "../server/app.js";
import { createLogger } from "../server/logger.js";
import { ensureIndex } from "../store/indexManager.js";
import { CHILD, procMemory, round, spawnTsx } from "./proc.js";

/**
 * Child side: the real app (createApp over servicesFromIndex, silent logger, rate limit out of
 * reach) on 127.0.0.1:0. Tells the parent its port; answers "memory" and "exit" messages.
 */
export async function serveForBench(corpusDir: string, indexDir: string): Promise<void> {
  const config = parseConfig({ CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, LOG_LEVEL: "silent", RATE_LIMIT_MAX: "1000000000", HOST: "127.0.0.1", PORT: "0" });
  const ensure = await ensureIndex(config);
  const state: AppState = { services: servicesFromIndex(config, ensure.index), status: "ok" };
  const app = createApp({ config, state, logger: createLogger("silent") });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address();
  process.on("message", (m: unknown) => {
    if (m === "memory") {
      const mem = process.memoryUsage();
      process.send!({ type: "memory", ...procMemory(), heapUsedMb: round(mem.heapUsed / 2 ** 20, 1) });
    } else if (m === "exit") {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
  process.send!({ type: "ready", port: typeof address === "object" && address ? address.port : 0 });
}

export interface BenchServer {
  url: string;
  pid: number;
  memory(): Promise<{ rssMb: number; peakRssMb: number; heapUsedMb: number }>;
  stop(): Promise<void>;
}

/** Parent side: starts the bench server child and waits for its port. */
export async function startBenchServer(corpusDir: string, indexDir: string, timeoutMs = 60_000): Promise<BenchServer> {
  const child = spawnTsx(CHILD, ["serve", corpusDir, indexDir]);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("bench server did not start in time"));
    }, timeoutMs);
    child.on("message", (m: { type?: string; port?: number }) => {
      if (m.type === "ready") {
        clearTimeout(timer);
        resolve(m.port!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`bench server exited (${code}): ${stderr.trim()}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    memory: () =>
      new Promise((resolve) => {
        const onMessage = (m: { type?: string; rssMb: number; peakRssMb: number; heapUsedMb: number }) => {
          if (m.type !== "memory") return;
          child.off("message", onMessage);
          resolve({ rssMb: m.rssMb, peakRssMb: m.peakRssMb, heapUsedMb: m.heapUsedMb });
        };
        child.on("message", onMessage);
        child.send("memory");
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.send("exit");
      }),
  };
}

export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  body?: string;
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
  /** This endpoint's throughput over the trivial endpoint's at the same connections. */
  ratioToCeiling?: number;
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
        requests: requests.map((r) => ({
          method: r.method,
          path: r.path,
          ...(r.body !== undefined ? { body: r.body, headers: { "content-type": "application/json" } } : {}),
        })),
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
