import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWordVectorsFor, servicesFromIndex, type Services } from "../src/app.js";
import { existsSync, writeFileSync, rmSync } from "node:fs";
import { indexIdentity } from "../src/answer/cache.js";
import { AUTO_WORKER_MAX_CHUNKS, ExtractionPool, planExtractionWorkers } from "../src/answer/extractionPool.js";
import { cgroupCpuLimit, cpusOfQuota, usableCpus } from "../src/util/cpus.js";
import { availableParallelism } from "node:os";
import type { Extraction, Extractor } from "../src/answer/pipeline.js";
import { parseConfig, type AppConfig } from "../src/config/index.js";
import { loadIndex } from "../src/store/indexManager.js";
import { corpusServices } from "./helpers/fixtures.js";

const QUESTIONS = [
  "How many fighters does ISKP have?",
  "Who carried out the Crocus City Hall attack?",
  "What does the Spectator say IS-K still lacks to wage a sustained campaign far from its Afghan base?",
  "What is the capital of Australia?",
];

let base: Services;
let config: AppConfig;
let cleanup: () => void;
let pool: ExtractionPool;
let wordVectors: Awaited<ReturnType<typeof loadWordVectorsFor>>;

beforeAll(async () => {
  const built = await corpusServices();
  base = built.services;
  config = built.config;
  cleanup = built.cleanup;
  wordVectors = await loadWordVectorsFor(config);
  // The worker loads the index the fixture built (it never builds one itself).
  pool = await ExtractionPool.start(config, 1, {}, { indexId: indexIdentity(base.index.manifest) });
}, 60_000);

afterAll(async () => {
  await pool?.close();
  cleanup?.();
});

const withoutTimes = ({ retrievalMs: _r, generationMs: _g, ...rest }: Extraction) => rest;

describe("extraction workers (ANSWER_WORKERS)", () => {
  it("compute in a worker thread exactly the extractive answer computed on the main thread", async () => {
    expect(pool.workers).toBe(1);
    for (const query of QUESTIONS) {
      const [there, here] = await Promise.all([pool.extract({ query, k: 5 }), base.answers.extract({ query, k: 5 })]);
      expect(withoutTimes(there)).toEqual(withoutTimes(here));
    }
  });

  it("serve asks through the pool: same answers, citations and abstentions as without it, and the cache still answers repeats", async () => {
    const plain = servicesFromIndex({ ...config }, base.index, undefined, { wordVectors });
    const pooled = servicesFromIndex({ ...config }, base.index, undefined, { wordVectors });
    const errors: unknown[] = [];
    pooled.answers.useExtractor(pool, (err) => errors.push(err));
    expect(pooled.answers.extractionWorkers).toBe(1);
    for (const question of QUESTIONS) {
      const [a, b] = await Promise.all([plain.answers.ask({ question }), pooled.answers.ask({ question })]);
      expect({ ...b, timings: undefined }).toEqual({ ...a, timings: undefined });
    }
    expect(pooled.answers.answeredByWorkers).toBe(QUESTIONS.length);
    const repeat = await pooled.answers.ask({ question: QUESTIONS[0]! });
    expect(repeat.cached).toBe(true);
    expect(pooled.answers.answeredByWorkers).toBe(QUESTIONS.length);
    expect(errors).toEqual([]);
  });

  it("search through the pool: the same passages as on the main thread, and the main thread searches when the workers fail", async () => {
    const plain = servicesFromIndex({ ...config }, base.index, undefined, { wordVectors });
    const pooled = servicesFromIndex({ ...config }, base.index, undefined, { wordVectors });
    const errors: unknown[] = [];
    let searched = 0;
    const counting: Extractor = { workers: 1, extract: (r) => pool.extract(r), search: (r) => (searched++, pool.search(r)) };
    pooled.answers.useExtractor(counting, (err) => errors.push(err));
    for (const q of [...QUESTIONS, "What does the UN say about ISKP?"]) {
      const [there, here] = await Promise.all([pooled.answers.search(q, 5), plain.answers.search(q, 5)]);
      expect(there.length).toBeGreaterThan(0);
      expect(there).toEqual(here);
    }
    // Options reach the worker's search: keyword search alone, as on the main thread.
    const keywords = await pooled.answers.search(QUESTIONS[0]!, 5, { mode: "bm25" });
    expect(keywords).toStrictEqual(await plain.answers.search(QUESTIONS[0]!, 5, { mode: "bm25" }));
    expect(keywords).not.toEqual(await plain.answers.search(QUESTIONS[0]!, 5));
    expect(searched).toBe(QUESTIONS.length + 2);
    expect(errors).toEqual([]);

    const broken: Extractor = { workers: 1, extract: () => Promise.reject(new Error("worker gone")), search: () => Promise.reject(new Error("worker gone")) };
    pooled.answers.useExtractor(broken, (err) => errors.push((err as Error).message));
    expect(await pooled.answers.search(QUESTIONS[1]!, 5)).toEqual(await plain.answers.search(QUESTIONS[1]!, 5));
    expect(errors).toEqual(["worker gone"]);
  });

  it("falls back to the main thread when the workers fail an answer, and says so to the operator", async () => {
    const broken: Extractor = { workers: 1, extract: () => Promise.reject(new Error("worker gone")) };
    const services = servicesFromIndex({ ...config, ANSWER_CACHE_SIZE: 0 }, base.index, undefined, { wordVectors });
    const errors: string[] = [];
    services.answers.useExtractor(broken, (err) => errors.push((err as Error).message));
    const answer = await services.answers.ask({ question: QUESTIONS[1]! });
    const expected = await base.answers.ask({ question: QUESTIONS[1]!, cacheMode: "bypass" });
    expect(answer.answer).toBe(expected.answer);
    expect(answer.citations.length).toBeGreaterThan(0);
    expect(answer.warnings).toEqual([]);
    expect(errors).toEqual(["worker gone"]);
  });

  const flaky = (mode: string) => ({ entry: new URL("./helpers/flakyWorker.mjs", import.meta.url), workerData: { mode } });

  it("replaces a worker that dies: its pending answer fails, a new worker takes over, and one that dies again soon waits twice as long", async () => {
    const events: string[] = [];
    const crashing = await ExtractionPool.start(
      config,
      1,
      { onWorkerExit: ({ code, restartInMs }) => events.push(`exit ${code} restart ${restartInMs}`), onWorkerRestart: () => events.push("restarted") },
      { restartDelayMs: 10, ...flaky("crash") },
    );
    try {
      await expect(crashing.extract({ query: "anything", k: 5 })).rejects.toThrow(/exited \(code 3\)/);
      expect(crashing.workers).toBe(0);
      await expect(crashing.extract({ query: "anything", k: 5 })).rejects.toThrow(/no extraction worker/);
      await expect.poll(() => events, { timeout: 10_000 }).toContain("restarted");
      expect(crashing.workers).toBe(1);
      await expect(crashing.extract({ query: "anything", k: 5 })).rejects.toThrow(/exited/);
      await expect.poll(() => events.length, { timeout: 10_000 }).toBe(4);
      expect(events).toEqual(["exit 3 restart 10", "restarted", "exit 3 restart 20", "restarted"]);
    } finally {
      await crashing.close();
    }
  });

  it("fails an extraction a worker does not answer in time, and replaces the stuck worker", async () => {
    const events: string[] = [];
    const silent = await ExtractionPool.start(
      config,
      1,
      { onWorkerExit: ({ restartInMs }) => events.push(`exit restart ${restartInMs}`), onWorkerRestart: () => events.push("restarted") },
      { restartDelayMs: 10, timeoutMs: 200, ...flaky("silent") },
    );
    try {
      await expect(silent.extract({ query: "anything", k: 5 })).rejects.toThrow(/did not answer in 200 ms/);
      await expect.poll(() => events, { timeout: 10_000 }).toEqual(["exit restart 10", "restarted"]);
    } finally {
      await silent.close();
    }
  });

  it("refuses to answer from an index other than the one the main thread serves (rebuilt on disk since)", async () => {
    await expect(ExtractionPool.start(config, 1, {}, { indexId: "another build" })).rejects.toThrow(/not the one the server loaded/);
  });

  it("loads the index without taking its lock, so a terminated worker cannot leave one behind", async () => {
    // A lock held by a live process (this one): a locked load would wait for it, 30 s at most.
    const lock = `${config.indexDir}.lock`;
    writeFileSync(lock, String(process.pid));
    try {
      const loaded = await loadIndex(config, { lock: false });
      expect(indexIdentity(loaded.manifest)).toBe(indexIdentity(base.index.manifest));
      expect(existsSync(lock)).toBe(true);
    } finally {
      rmSync(lock, { force: true });
    }
  });

  it("does not start when a worker cannot load the index, so answers stay on the main thread", async () => {
    await expect(ExtractionPool.start(config, 1, {}, flaky("refuse"))).rejects.toThrow(
      /could not start: index contents unreadable/,
    );
  });

  it("start none with an LLM configured, as many as ANSWER_WORKERS says, and by default one where a second CPU can run it for an index small enough to copy", () => {
    const chunks = 89;
    const count = (env: Record<string, string>, n: number, cpus: number) => planExtractionWorkers(parseConfig(env), n, cpus).count;
    expect(parseConfig({}).ANSWER_WORKERS).toBe("auto");
    expect(parseConfig({ ANSWER_WORKERS: " Auto " }).ANSWER_WORKERS).toBe("auto");
    expect(count({}, chunks, 2)).toBe(1);
    expect(count({}, chunks, 1)).toBe(0);
    expect(count({}, AUTO_WORKER_MAX_CHUNKS + 1, 8)).toBe(0);
    expect(count({ ANSWER_WORKERS: "0" }, chunks, 8)).toBe(0);
    expect(count({ ANSWER_WORKERS: "2" }, AUTO_WORKER_MAX_CHUNKS + 1, 1)).toBe(2);
    expect(count({ OPENAI_BASE_URL: "http://127.0.0.1:9/v1" }, chunks, 8)).toBe(0);
    expect(count({ ANSWER_WORKERS: "2", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" }, chunks, 8)).toBe(0);
    // The log says why none were started.
    expect(planExtractionWorkers(parseConfig({}), AUTO_WORKER_MAX_CHUNKS + 1, 8).reason).toMatch(/chunks, over 10000/);
    expect(planExtractionWorkers(parseConfig({}), chunks, 1).reason).toMatch(/1 CPU usable/);
    expect(() => parseConfig({ ANSWER_WORKERS: "9" })).toThrow(/ANSWER_WORKERS/);
    expect(() => parseConfig({ ANSWER_WORKERS: "1.5" })).toThrow(/ANSWER_WORKERS: expected auto or a whole number from 0 to 8/);
    expect(() => parseConfig({ ANSWER_WORKERS: "some" })).toThrow(/ANSWER_WORKERS/);
  });

  it("count the CPUs a container's quota allows, not the host's, for auto", () => {
    const files = (map: Record<string, string>) => (file: string) => {
      if (!(file in map)) throw new Error("ENOENT");
      return map[file]!;
    };
    expect(cpusOfQuota("150000", "100000")).toBe(1);
    expect(cpusOfQuota("200000", "100000")).toBe(2);
    expect(cpusOfQuota("50000", "100000")).toBe(1);
    expect(cpusOfQuota("max", "100000")).toBeUndefined();
    expect(cpusOfQuota("-1", "100000")).toBeUndefined();
    expect(cgroupCpuLimit(files({ "/sys/fs/cgroup/cpu.max": "100000 100000\n" }))).toBe(1);
    expect(cgroupCpuLimit(files({ "/sys/fs/cgroup/cpu.max": "max 100000\n" }))).toBeUndefined();
    expect(cgroupCpuLimit(files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "200000\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n" }))).toBe(2);
    expect(cgroupCpuLimit(files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n" }))).toBeUndefined();
    expect(cgroupCpuLimit(files({}))).toBeUndefined();
    expect(usableCpus(1)).toBe(1);
    expect(usableCpus(undefined)).toBe(availableParallelism());
  });
});
