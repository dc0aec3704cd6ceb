import { parentPort, workerData } from "node:worker_threads";
import { loadWordVectorsFor, servicesFromIndex } from "../app.js";
import type { AppConfig } from "../config/index.js";
import { loadIndex } from "../store/indexManager.js";
import { indexIdentity } from "./cache.js";
import type { WorkerMessage, WorkerRequest } from "./extractionPool.js";

/**
 * An extraction worker (see extractionPool.ts): loads the index the main thread built or
 * checked, without its lock and never building one (a terminated thread could leave a lock
 * behind; two writers to one folder would race), refuses a build other than the main thread's,
 * and computes extractive answers, and hybrid searches, for the queries it is sent. It keeps no
 * answer cache: the main thread's cache answers repeats before they get here.
 */
const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);
const { config, indexId } = workerData as { config: AppConfig; indexId?: string };

try {
  const [index, wordVectors] = await Promise.all([
    loadIndex(config, { lock: false }),
    loadWordVectorsFor(config, (message) => send({ type: "warning", message })),
  ]);
  if (indexId !== undefined && indexIdentity(index.manifest) !== indexId) {
    throw new Error("the index on disk is not the one the server loaded (it was rebuilt since); restart the server to serve it");
  }
  const { answers, retriever } = servicesFromIndex({ ...config, ANSWER_CACHE_SIZE: 0 }, index, undefined, { wordVectors });
  retriever.onEmbedderError = (err) =>
    send({ type: "warning", message: `embedder failed on a query; answering from keyword search alone (${err instanceof Error ? err.message : String(err)})` });
  port.on("message", (m: WorkerRequest) => {
    const failed = (err: Error) => send({ type: "error", id: m.id, message: err.message });
    if ("search" in m) {
      // The query comes expanded as the main thread searches it: searched as it is.
      const warnings: string[] = [];
      retriever.search(m.search.query, m.search.k, m.search.retrieval, warnings).then((passages) => send({ type: "found", id: m.id, result: { passages, warnings } }), failed);
      return;
    }
    answers.extract(m.request).then((extraction) => send({ type: "result", id: m.id, extraction }), failed);
  });
  send({ type: "ready" });
} catch (err) {
  send({ type: "failed", message: (err as Error).message });
}
