import autocannon from "autocannon";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/server/app.js";
import { createLogger } from "../../src/server/logger.js";
import { corpusServices, copyCorpus, tempDir } from "../helpers/fixtures.js";
import type { LoadServerStats } from "../helpers/loadServer.js";
import { sleep } from "../helpers/rawHttp.js";

/**
 * 50 concurrent clients for 20 s against a real server process, mixing questions and searches:
 * no errors, no non-2xx, no timeouts, every request answered, and RSS growth under 20% between a
 * warmed-up baseline and the end (both after a forced full GC in the server process).
 */

const ROOT = path.resolve(__dirname, "../..");
const CONNECTIONS = 50;
const DURATION_S = 20;
// Long enough at full load for the allocator's arenas to reach their working size: RSS measured
// after a short warm-up keeps climbing for a while without any leak (heap growth is asserted too).
const WARMUP_S = 6;

const questions = [
  "How many fighters does ISKP have?",
  "What happened at Crocus City Hall?",
  "What is the relationship between ISKP and the Taliban?",
  "Who leads ISKP?",
  "What is the capital of Australia?",
];
const searches = ["ISKP fighters", "Crocus City Hall attack", "Taliban", "recruitment Central Asia", "Kabul airport bombing"];

// Each question twice: once as clients send it (answered from the answer cache after the first
// time) and once with Cache-Control: no-cache, so retrieval and composition stay under load too.
const mix: autocannon.Request[] = questions.flatMap((q, i) => [
  { method: "POST", path: "/api/ask", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: q, ...(i % 2 ? { k: 3 } : {}) }) },
  { method: "POST", path: "/api/ask", headers: { "content-type": "application/json", "cache-control": "no-cache" }, body: JSON.stringify({ question: q, ...(i % 2 ? { k: 3 } : {}) }) },
  { method: "GET", path: `/api/search?q=${encodeURIComponent(searches[i]!)}&k=5` },
]);

let child: ChildProcess;
let port: number;
const cleanups: (() => void)[] = [];

function ask<T>(msg: { type: string }, reply: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${reply} from the server process`)), 10_000);
    const onMessage = (m: { type?: string }) => {
      if (m?.type === reply) {
        clearTimeout(timer);
        child.off("message", onMessage);
        resolve(m as T);
      }
    };
    child.on("message", onMessage);
    child.send(msg);
  });
}

function run(duration: number): Promise<{ result: autocannon.Result; responses: number; reqErrors: number }> {
  return new Promise((resolve, reject) => {
    let responses = 0;
    let reqErrors = 0;
    const instance = autocannon(
      // A generous per-request deadline: the machine may be shared, and a slow answer is not a lost one.
      { url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration, timeout: 30, requests: mix },
      (err, result) => (err ? reject(err) : resolve({ result, responses, reqErrors })),
    );
    instance.on("response", () => (responses += 1));
    instance.on("reqError", () => (reqErrors += 1));
  });
}

beforeAll(async () => {
  const t = tempDir("rag-load-");
  cleanups.push(t.cleanup);
  copyCorpus(t.dir);
  child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", path.join(ROOT, "tests/helpers/loadServer.ts")], {
    cwd: ROOT,
    env: { ...process.env, CORPUS_DIR: path.join(t.dir, "corpus"), INDEX_DIR: path.join(t.dir, "index"), RATE_LIMIT_MAX: "100000000", LOG_LEVEL: "silent" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<{ port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server process did not start in 30 s")), 30_000);
    child.once("exit", (code) => reject(new Error(`the server process exited with ${code}`)));
    child.on("message", (m: { type?: string; port?: number }) => {
      if (m?.type === "ready") {
        clearTimeout(timer);
        resolve({ port: m.port! });
      }
    });
  });
  port = ready.port;
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.send({ type: "stop" });
    await Promise.race([exited, sleep(3_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  for (const c of cleanups.reverse()) c();
});

describe("load", () => {
  it(
    `${CONNECTIONS} concurrent clients for ${DURATION_S} s: no errors, no non-2xx, no timeouts, every request answered, RSS growth < 20%`,
    async () => {
      // Warm-up: JIT, pools and caches settle before the baseline is taken.
      const warm = await run(WARMUP_S);
      expect(warm.result.errors).toBe(0);
      await sleep(300);
      await ask({ type: "reset" }, "reset");
      const baseline = await ask<LoadServerStats>({ type: "stats" }, "stats");

      const { result, responses, reqErrors } = await run(DURATION_S);
      await sleep(500);
      const end = await ask<LoadServerStats>({ type: "stats" }, "stats");

      const sent = result.requests.sent;
      const answered = result.requests.total;
      const growth = (end.rss - baseline.rss) / baseline.rss;
      const heapGrowth = (end.heapUsed - baseline.heapUsed) / baseline.heapUsed;
      console.log(
        `[closing note] load: ${CONNECTIONS} connections x ${result.duration} s, ${answered} responses (${sent} sent; ${sent - answered} in flight when the run stopped), ` +
          `${result.requests.average} req/s avg, latency p50 ${result.latency.p50} ms / p99 ${result.latency.p99} ms / max ${result.latency.max} ms, ` +
          `errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}; server saw ${end.received} requests, ${end.finished} answered, ` +
          `${end.aborted} closed by the client at the cut-off; RSS ${(baseline.rss / 2 ** 20).toFixed(1)} -> ${(end.rss / 2 ** 20).toFixed(1)} MB (${(growth * 100).toFixed(1)}%), ` +
          `heap ${(baseline.heapUsed / 2 ** 20).toFixed(1)} -> ${(end.heapUsed / 2 ** 20).toFixed(1)} MB (${(heapGrowth * 100).toFixed(1)}%), gc forced: ${end.gc}`,
      );

      expect(result.errors).toBe(0);
      expect(result.timeouts).toBe(0);
      expect(result.non2xx).toBe(0);
      expect(result.resets).toBe(0);
      expect(reqErrors).toBe(0);
      expect(result["2xx"]).toBe(answered);
      expect(responses).toBe(answered);
      expect(answered).toBeGreaterThan(10 * DURATION_S);
      // Every request sent was answered, except the at most one per connection still in flight
      // when autocannon stopped and destroyed its sockets.
      expect(sent - answered).toBeGreaterThanOrEqual(0);
      expect(sent - answered).toBeLessThanOrEqual(CONNECTIONS);
      // Server side: nothing is left hanging, every status was 2xx, and the only requests without
      // a finished response are those whose client hung up at the cut-off, not during the run.
      expect(end.inFlight).toBe(0);
      expect(Object.keys(end.statuses).every((s) => s.startsWith("2")), JSON.stringify(end.statuses)).toBe(true);
      expect(end.finished + end.aborted).toBe(end.received);
      expect(end.aborted).toBeLessThanOrEqual(CONNECTIONS);
      if (end.firstAbortAt !== null) expect(end.firstAbortAt).toBeGreaterThanOrEqual(result.finish.getTime() - 1_000);
      expect(Math.abs(end.finished - answered)).toBeLessThanOrEqual(CONNECTIONS);

      expect(growth).toBeLessThan(0.2);
      expect(heapGrowth).toBeLessThan(0.2);
    },
    90_000,
  );
});

describe("rate limit", () => {
  it("answers 429 with Retry-After once RATE_LIMIT_MAX (5) is exceeded, and recovers after the window", async () => {
    const built = await corpusServices();
    cleanups.push(built.cleanup);
    const app = createApp({
      config: { ...built.config, RATE_LIMIT_MAX: 5, RATE_LIMIT_WINDOW_MS: 1_000 },
      state: { services: built.services, status: "ok" },
      logger: createLogger("silent"),
    });
    const calls = [
      () => request(app).get("/api/search").query({ q: "ISKP" }),
      () => request(app).post("/api/ask").send({ question: questions[0] }),
      () => request(app).get("/api/documents"),
    ];
    for (let i = 0; i < 5; i++) {
      const res = await calls[i % calls.length]!();
      expect(res.status, `request ${i + 1}`).toBe(200);
    }
    for (let i = 0; i < 3; i++) {
      const res = await calls[i]!();
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe("rate_limited");
      const retryAfter = Number(res.headers["retry-after"]);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
    }
    // Health is outside the limit.
    expect((await request(app).get("/api/health")).status).toBe(200);
    await sleep(1_100);
    expect((await calls[0]!()).status).toBe(200);
  });
});
