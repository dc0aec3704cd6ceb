/**
 * The API as its own process for the load test, so the load generator's memory and CPU are not
 * mixed with the server's:
 *
 *   node --expose-gc --import tsx tests/helpers/loadServer.ts   (with an IPC channel)
 *
 * Reads the usual environment (CORPUS_DIR, INDEX_DIR, RATE_LIMIT_MAX...), builds or loads the
 * index, listens on 127.0.0.1:0 and sends `{type: "ready", port}`. On `{type: "stats"}` it runs a
 * full GC (when exposed) and answers with its RSS, heap and request counters: requests received,
 * responses finished, connections closed before their response, and requests still in flight;
 * `{type: "reset"}` zeroes the counters (answered by `{type: "reset"}`).
 */
import type { AddressInfo } from "node:net";
import { loadWordVectorsFor, servicesFromIndex } from "../../src/app.js";
import { parseConfig } from "../../src/config/index.js";
import { createApp } from "../../src/server/app.js";
import { createHttpServer } from "../../src/server/httpServer.js";
import { createLogger } from "../../src/server/logger.js";
import { ensureIndex } from "../../src/store/indexManager.js";

export interface LoadServerStats {
  type: "stats";
  rss: number;
  heapUsed: number;
  gc: boolean;
  received: number;
  finished: number;
  aborted: number;
  inFlight: number;
  /** Epoch ms of the first connection closed before its response, if any. */
  firstAbortAt: number | null;
  statuses: Record<string, number>;
}

const config = parseConfig(process.env);
const ensure = await ensureIndex(config);
const services = servicesFromIndex(config, ensure.index, undefined, { wordVectors: await loadWordVectorsFor(config) });
const app = createApp({ config, state: { services, status: "ok" }, logger: createLogger("silent") });

const counters = { received: 0, finished: 0, aborted: 0, inFlight: 0, firstAbortAt: null as number | null };
const statuses: Record<string, number> = {};
const server = createHttpServer(app).listen(0, "127.0.0.1", () => {
  process.send?.({ type: "ready", port: (server.address() as AddressInfo).port });
});
server.on("request", (_req, res) => {
  counters.received += 1;
  counters.inFlight += 1;
  res.on("close", () => {
    counters.inFlight -= 1;
    if (res.writableFinished) {
      counters.finished += 1;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    } else {
      counters.aborted += 1;
      counters.firstAbortAt ??= Date.now();
    }
  });
});

const gc = (globalThis as { gc?: () => void }).gc;
process.on("message", (msg: { type?: string }) => {
  if (msg?.type === "stats") {
    if (gc) {
      gc();
      gc();
    }
    const mem = process.memoryUsage();
    const stats: LoadServerStats = { type: "stats", rss: mem.rss, heapUsed: mem.heapUsed, gc: Boolean(gc), ...counters, statuses: { ...statuses } };
    process.send?.(stats);
  } else if (msg?.type === "reset") {
    Object.assign(counters, { received: 0, finished: 0, aborted: 0, firstAbortAt: null });
    for (const k of Object.keys(statuses)) delete statuses[k];
    process.send?.({ type: "reset" });
  } else if (msg?.type === "stop") {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
// The parent going away ends this process too.
process.on("disconnect", () => process.exit(0));
