import { Worker } from "node:worker_threads";
import type { AppConfig } from "../config/index.js";
import { usableCpus } from "../util/cpus.js";
import type { Extraction, ExtractionRequest, Extractor, SearchRequest, SearchResult } from "./pipeline.js";

/** What a worker thread says (extractionWorker.ts). */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "warning"; message: string }
  | { type: "result"; id: number; extraction: Extraction }
  | { type: "found"; id: number; result: SearchResult }
  | { type: "error"; id: number; message: string };

/** What the pool asks a worker thread: an extraction, or a search. */
export type WorkerRequest = { id: number; request: ExtractionRequest } | { id: number; search: SearchRequest };

export class ExtractionWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExtractionWorkerError";
  }
}

/**
 * The largest index `ANSWER_WORKERS=auto` starts a worker for. A worker holds its own copy of
 * the index, about 8.5 KB of heap per chunk (850 MB at 100k chunks): at 10k chunks the copy
 * costs about 85 MB, beyond that doubling the server's memory is the operator's choice.
 */
export const AUTO_WORKER_MAX_CHUNKS = 10_000;

export interface WorkerPlan {
  /** Worker threads to start. */
  count: number;
  /** Why, for the log. */
  reason: string;
}

/**
 * How many worker threads compute extractive answers for an index of `chunks` chunks: none with
 * an LLM, where answering waits on the model rather than on this machine's CPU; ANSWER_WORKERS
 * when it is a number; for `auto`, one when a second CPU is there to run it (with one, a worker
 * would only take turns with the HTTP thread) and the index is small enough to copy.
 */
export function planExtractionWorkers(config: Pick<AppConfig, "llmEnabled" | "ANSWER_WORKERS">, chunks: number, cpus = usableCpus()): WorkerPlan {
  if (config.llmEnabled) return { count: 0, reason: "answers come from an LLM: they wait on the model, not on this CPU" };
  if (config.ANSWER_WORKERS !== "auto") return { count: config.ANSWER_WORKERS, reason: `ANSWER_WORKERS=${config.ANSWER_WORKERS}` };
  if (cpus < 2) return { count: 0, reason: `ANSWER_WORKERS=auto and ${cpus} CPU usable: a worker would take turns with the HTTP thread` };
  if (chunks > AUTO_WORKER_MAX_CHUNKS) {
    return { count: 0, reason: `ANSWER_WORKERS=auto and ${chunks} chunks, over ${AUTO_WORKER_MAX_CHUNKS}: a worker would copy the whole index (set ANSWER_WORKERS to start one anyway)` };
  }
  return { count: 1, reason: `ANSWER_WORKERS=auto and ${cpus} CPUs usable` };
}

/**
 * The worker's entry point. Built, it sits beside this module's chunk in dist/; from source, a
 * small bootstrap registers tsx first, because a worker thread does not inherit the loader.
 */
function workerEntry(): URL {
  const here = import.meta.url;
  return here.endsWith(".ts") ? new URL("./extractionWorker.dev.mjs", here) : new URL("./extractionWorker.js", here);
}

interface Slot {
  worker: Worker;
  ready: boolean;
  startedAt: number;
  /** Requests sent and not answered, with the kind of reply each one takes. */
  pending: Map<number, { reply: "result" | "found"; resolve: (x: never) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>;
}

export interface ExtractionPoolHooks {
  /** A worker stopped unexpectedly (its pending extractions fail and are computed on the main thread). */
  onWorkerExit?: (info: { slot: number; code: number; error?: Error; restartInMs: number | null }) => void;
  /** A replacement worker is ready again. */
  onWorkerRestart?: (info: { slot: number }) => void;
  /** Something a worker's operator should know that is not an exit (word vectors missing, an embedder failing). */
  onWorkerWarning?: (info: { slot: number; message: string }) => void;
}

export interface ExtractionPoolOptions {
  /**
   * The identity (cache.ts indexIdentity) of the index the main thread serves: a worker that
   * finds another build on disk (rebuilt since) refuses to start rather than answer from it.
   */
  indexId?: string;
  /** First delay before a dead worker is replaced; doubled for each death soon after a restart, up to a minute. */
  restartDelayMs?: number;
  /** An extraction not answered in this time fails (computed on the main thread) and its worker is replaced. */
  timeoutMs?: number;
  /** The worker's script (extractionWorker.ts by default; tests give their own, with `workerData`). */
  entry?: URL;
  workerData?: Record<string, unknown>;
}

/** A worker that ran this long before dying counts as healthy: its replacement waits the first delay again. */
const HEALTHY_RUN_MS = 60_000;
const MAX_RESTART_DELAY_MS = 60_000;

/**
 * Worker threads, each with its own copy of the index (loaded, never built), computing
 * extractive answers and hybrid searches while the main thread keeps HTTP, the answer cache and
 * the query's reading: on a 2-core machine a request's parsing, logging and writing then overlap
 * another request's retrieval and composition. A worker that dies is replaced (see spawn); one that cannot load
 * the index is not.
 */
export class ExtractionPool implements Extractor {
  private readonly slots: (Slot | null)[] = [];
  /** Per slot, how many times in a row its worker died soon after starting. */
  private readonly deaths: number[] = [];
  private nextId = 0;
  private closed = false;
  private readonly restartDelayMs: number;
  private readonly timeoutMs: number;
  private readonly entry: URL;

  private constructor(
    private readonly config: AppConfig,
    private readonly hooks: ExtractionPoolHooks,
    private readonly options: ExtractionPoolOptions,
  ) {
    this.restartDelayMs = options.restartDelayMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.entry = options.entry ?? workerEntry();
  }

  /** Starts `size` workers and resolves once all have loaded the index; rejects (and stops them all) if any cannot. */
  static async start(config: AppConfig, size: number, hooks: ExtractionPoolHooks = {}, options: ExtractionPoolOptions = {}): Promise<ExtractionPool> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError("ExtractionPool size: a positive integer");
    const pool = new ExtractionPool(config, hooks, options);
    try {
      await Promise.all(Array.from({ length: size }, (_, i) => pool.spawn(i)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Read on every ask (and by health): counted without allocating. */
  get workers(): number {
    let ready = 0;
    for (const s of this.slots) if (s?.ready) ready++;
    return ready;
  }

  /** Sent to the ready worker with the fewest requests waiting. */
  extract(request: ExtractionRequest): Promise<Extraction> {
    return this.send("result", (id) => ({ id, request }));
  }

  /** A hybrid search, sent as extractions are. */
  search(request: SearchRequest): Promise<SearchResult> {
    return this.send("found", (id) => ({ id, search: request }));
  }

  private send<T>(reply: "result" | "found", message: (id: number) => WorkerRequest): Promise<T> {
    let best: Slot | undefined;
    for (const s of this.slots) if (s?.ready && (!best || s.pending.size < best.pending.size)) best = s;
    if (!best) return Promise.reject(new ExtractionWorkerError("no extraction worker is running"));
    const id = this.nextId++;
    const slot = best;
    return new Promise<T>((resolve, reject) => {
      // A worker stuck in one extraction would hold every later one: it is replaced.
      const timer = setTimeout(() => {
        slot.pending.delete(id);
        reject(new ExtractionWorkerError(`extraction worker did not answer in ${this.timeoutMs} ms`));
        void slot.worker.terminate();
      }, this.timeoutMs);
      timer.unref();
      slot.pending.set(id, { reply, resolve: resolve as (x: never) => void, reject, timer });
      try {
        slot.worker.postMessage(message(id));
      } catch (err) {
        clearTimeout(timer);
        slot.pending.delete(id);
        reject(err as Error);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.slots.map((s) => s?.worker).filter((w): w is Worker => Boolean(w));
    this.slots.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(index: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const workerData = { ...this.options.workerData, config: this.config, indexId: this.options.indexId };
      const worker = new Worker(this.entry, { workerData });
      const slot: Slot = { worker, ready: false, startedAt: Date.now(), pending: new Map() };
      this.slots[index] = slot;
      let started = false;
      worker.on("message", (m: WorkerMessage) => {
        if (m.type === "ready") {
          started = true;
          slot.ready = true;
          resolve();
        } else if (m.type === "failed") {
          reject(new ExtractionWorkerError(`extraction worker could not start: ${m.message}`));
          void worker.terminate();
        } else if (m.type === "warning") {
          this.hooks.onWorkerWarning?.({ slot: index, message: m.message });
        } else {
          const waiting = slot.pending.get(m.id);
          if (!waiting) return;
          clearTimeout(waiting.timer);
          slot.pending.delete(m.id);
          if (m.type === "error") waiting.reject(new ExtractionWorkerError(m.message));
          else if (m.type !== waiting.reply) waiting.reject(new ExtractionWorkerError(`extraction worker answered a request with a reply of another kind (${m.type})`));
          else waiting.resolve((m.type === "result" ? m.extraction : m.result) as never);
        }
      });
      let error: Error | undefined;
      worker.on("error", (err) => {
        error = err;
      });
      worker.on("exit", (code) => {
        slot.ready = false;
        for (const { reject: fail, timer } of slot.pending.values()) {
          clearTimeout(timer);
          fail(new ExtractionWorkerError(`extraction worker exited (code ${code})${error ? `: ${error.message}` : ""}`));
        }
        slot.pending.clear();
        if (this.slots[index] === slot) this.slots[index] = null;
        if (!started) {
          reject(error ?? new ExtractionWorkerError(`extraction worker exited before it was ready (code ${code})`));
          return;
        }
        if (this.closed) return;
        // A worker that ran and then died is replaced; one that never started is not, so a
        // broken index cannot make the pool restart forever. One that keeps dying soon after
        // starting (a question that crashes it, asked again and again) waits twice as long
        // each time, up to a minute, so the index is not reloaded in a loop.
        const deaths = Date.now() - slot.startedAt < HEALTHY_RUN_MS ? (this.deaths[index] ?? 0) + 1 : 1;
        this.deaths[index] = deaths;
        const delay = Math.min(this.restartDelayMs * 2 ** (deaths - 1), MAX_RESTART_DELAY_MS);
        this.hooks.onWorkerExit?.({ slot: index, code, error, restartInMs: delay });
        setTimeout(() => {
          if (this.closed) return;
          this.spawn(index).then(
            () => this.hooks.onWorkerRestart?.({ slot: index }),
            (err: Error) => {
              if (!this.closed) this.hooks.onWorkerExit?.({ slot: index, code: -1, error: err, restartInMs: null });
            },
          );
        }, delay).unref();
      });
    });
  }
}
