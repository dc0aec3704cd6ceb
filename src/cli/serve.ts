import type { Server } from "node:http";
import v8 from "node:v8";
import { createLlm, loadWordVectorsFor, servicesFromIndex } from "../app.js";
import { indexIdentity } from "../answer/cache.js";
import { ExtractionPool, planExtractionWorkers } from "../answer/extractionPool.js";
import { loadConfig } from "../config/index.js";
import { createApp, type AppState } from "../server/app.js";
import { createHttpServer } from "../server/httpServer.js";
import { scrubSecrets } from "../server/middleware.js";
import { createLogger } from "../server/logger.js";
import { ensureIndex } from "../store/indexManager.js";
import { runCli } from "./run.js";

/**
 * Two heaps in one process, the HTTP thread's and a worker's: V8 lets each grow to about twice
 * what it holds before collecting it, and under a stream of new questions the two together
 * peaked at 269-280 MB. Growing by 40% held the peak to 227-240 MB, cold asks as fast within
 * the noise (`npm run bench -- --only http`). Without workers it cost the single thread about a
 * tenth of its throughput, health and asks alike, so it is made once workers run: a V8 setting
 * the collector reads at each collection, for every thread (Node keeps V8's flags writable for
 * this call). A value the operator gave on the command line is left as it is. Returns the
 * percentage in force, if known.
 */
function limitHeapGrowth(percent = 40): number | undefined {
  const given = process.execArgv.find((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a));
  if (given) return Number(given.split("=")[1]) || undefined;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}

/**
 * `npm start`: listens at once (health says "indexing"), builds or loads the index, then
 * serves. SIGTERM/SIGINT stop accepting, let in-flight requests finish, and exit 0.
 */
runCli(async () => {
  const config = loadConfig();
  const pretty = config.LOG_FORMAT === "pretty" || (config.LOG_FORMAT === "auto" && Boolean(process.stdout.isTTY));
  const logger = createLogger(config.LOG_LEVEL, { pretty });
  const state: AppState = { services: null, status: "indexing" };
  let pool: ExtractionPool | undefined;
  let stopping = false;

  // Answers are computed on the main thread until the workers have loaded the index (a second
  // or so), then by them; a worker failure falls back to the main thread for that answer.
  // Error text can quote configuration (a URL with a key): scrubbed before it is logged.
  const scrub = (value: unknown) => scrubSecrets(value, [config.OPENAI_API_KEY, config.API_KEY]);
  const failure = (err: unknown) => scrub({ message: err instanceof Error ? err.message : String(err) });
  const startExtractionWorkers = (services: NonNullable<AppState["services"]>) => {
    const plan = planExtractionWorkers(config, services.index.chunks.length);
    const size = plan.count;
    if (size === 0) {
      if (config.ANSWER_WORKERS !== 0) logger.info({ reason: plan.reason }, "no extraction workers: answers are computed on the main thread");
      return;
    }
    if (stopping) return;
    state.workersPlanned = size;
    ExtractionPool.start(
      config,
      size,
      {
        onWorkerExit: ({ slot, code, error, restartInMs }) =>
          logger.error({ slot, code, err: error ? failure(error) : undefined, restartInMs }, restartInMs === null ? "extraction worker could not be restarted" : "extraction worker stopped; restarting it"),
        onWorkerRestart: ({ slot }) => logger.info({ slot }, "extraction worker restarted"),
        onWorkerWarning: ({ slot, message }) => logger.warn({ slot, err: failure(message) }, "extraction worker warning"),
      },
      { indexId: indexIdentity(services.index.manifest) },
    ).then(
      (started) => {
        if (stopping) return void started.close();
        pool = started;
        services.answers.useExtractor(started, (err) => logger.warn({ err: failure(err) }, "extraction worker failed a request (an answer or a search); done on the main thread instead"));
        const heapGrowingPercent = limitHeapGrowth();
        logger.info({ workers: size, reason: plan.reason, heapGrowingPercent }, "extraction workers ready");
      },
      (err: unknown) => {
        state.workersPlanned = 0;
        logger.warn({ err: failure(err) }, "extraction workers unavailable; answers are computed on the main thread");
      },
    );
  };
  const app = createApp({ config, state, logger });
  const server: Server = await new Promise((resolve, reject) => {
    const s = createHttpServer(app, (message) => logger.warn(message)).listen(config.PORT, config.HOST, () => resolve(s));
    s.once("error", reject);
  });
  server.keepAliveTimeout = 5_000;
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  const url = `http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`;
  logger.info({ url }, `listening; open ${url}`);

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    server.close((err) => {
      if (err) logger.error({ err }, "close failed");
      void (pool?.close() ?? Promise.resolve()).finally(() => process.exit(err ? 1 : 0));
    });
    // Keep-alive sockets become idle only after their last response: close them as they do,
    // rather than waiting out the keep-alive timeout.
    server.closeIdleConnections();
    setInterval(() => server.closeIdleConnections(), 100).unref();
    // Streams that never end must not hold the process forever.
    setTimeout(() => {
      logger.warn("in-flight requests did not finish in 10 s; closing them");
      server.closeAllConnections();
    }, 10_000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  try {
    const started = performance.now();
    const [ensure, wordVectors] = await Promise.all([ensureIndex(config), loadWordVectorsFor(config, (message) => logger.warn(message))]);
    for (const s of ensure.skipped) logger.warn({ file: s.fileName, reason: s.reason }, "corpus file skipped");
    const llm = await createLlm(config);
    state.services = servicesFromIndex(config, ensure.index, llm, { wordVectors });
    state.services.retriever.onEmbedderError = (err) =>
      logger.warn(
        { err: scrub(err instanceof Error ? { message: err.message } : err), retryInMs: state.services?.retriever.embedderRetryMs },
        "embedder failed on a query; answering from keyword search alone",
      );
    state.status = "ok";
    startExtractionWorkers(state.services);
    logger.info(
      {
        documents: ensure.index.documents.length,
        chunks: ensure.index.chunks.length,
        rebuilt: ensure.rebuilt,
        reason: ensure.reason,
        ms: Math.round(performance.now() - started),
        answerer: llm ? `llm:${llm.model}` : "extractive",
      },
      `ready: ${url}`,
    );
  } catch (err) {
    state.status = "error";
    state.message = "The index could not be built; see the server log.";
    logger.error({ err: scrub(err instanceof Error ? { message: err.message, stack: err.stack } : err) }, "index build failed");
  }
});
