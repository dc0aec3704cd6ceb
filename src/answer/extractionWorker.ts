import { parentPort, workerData } from "node:worker_threads";
import { loadWordVectorsFor, servicesFromIndex } from "../app.js";
import type { AppConfig } from "../config/index.js";
import { loadIndex } from "../store/indexManager.js";
import type { WorkerMessage, WorkerRequest } from "./extractionPool.js";

/**
 * An extraction worker (see extractionPool.ts): loads the index the main thread built or
 * checked (never builds one: two writers to one index folder would be a race) and computes
 * extractive answers for the queries it is sent. It keeps no answer cache: the main thread's
 * cache answers repeats before they get here.
 */
const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);
const { config } = workerData as { config: AppConfig };

try {
  // The main thread has reported a word-vector problem already.
  const [index, wordVectors] = await Promise.all([loadIndex(config), loadWordVectorsFor(config, () => {})]);
  const { answers } = servicesFromIndex({ ...config, ANSWER_CACHE_SIZE: 0 }, index, undefined, { wordVectors });
  port.on("message", ({ id, request }: WorkerRequest) => {
    answers.extract(request).then(
      (extraction) => send({ type: "result", id, extraction }),
      (err: Error) => send({ type: "error", id, message: err.message }),
    );
  });
  send({ type: "ready" });
} catch (err) {
  send({ type: "failed", message: (err as Error).message });
}
