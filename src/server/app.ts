import express, { type Request, type Response, type NextFunction } from "express";
import { isUtf8 } from "node:buffer";
import path from "node:path";
import type { Logger } from "pino";
import type { Services } from "../app.js";
import { AbortError, type CacheMode } from "../answer/pipeline.js";
import type { Answer } from "../answer/types.js";
import type { AppConfig } from "../config/index.js";
import { ApiError, errorHandler, notFoundHandler, validationError } from "./errors.js";
import { abortOnClientClose, allowMethods, rateLimiter, requestLogger, requireApiKey, requireJson, securityHeaders } from "./middleware.js";
import { buildOpenApi } from "./openapi.js";
import { createBriefingRouter } from "./briefingRoutes.js";
import { AskRequestSchema, DocumentIdParamsSchema, SearchQuerySchema } from "./schemas.js";

export interface AppState {
  /** Null while the index is being built. */
  services: Services | null;
  status: "indexing" | "ok" | "error";
  message?: string;
  /** Extraction workers the server is starting or runs (0 if they could not start; see ANSWER_WORKERS). */
  workersPlanned?: number;
}

export interface AppDeps {
  config: AppConfig;
  state: AppState;
  logger: Logger;
  /** Folder of the chat page; defaults to ./web. */
  webDir?: string;
}

/** The methods each API path serves (paths as seen inside the /api router); others get 405. */
const API_METHODS = [
  [/^\/ask\/?$/i, ["POST"]],
  [/^\/ask\/stream\/?$/i, ["POST"]],
  [/^\/search\/?$/i, ["GET", "HEAD"]],
  [/^\/documents\/?$/i, ["GET", "HEAD"]],
  [/^\/documents\/[^/]+\/?$/i, ["GET", "HEAD"]],
  [/^\/openapi\.json\/?$/i, ["GET", "HEAD"]],
] as const;

/** JSON bodies in UTF-8 must be valid UTF-8: body-parser would otherwise turn bad bytes into U+FFFD silently. */
function verifyUtf8(_req: unknown, _res: unknown, buf: Buffer, encoding: string): void {
  const charset = (encoding || "utf-8").toLowerCase();
  if ((charset === "utf-8" || charset === "utf8") && !isUtf8(buf)) {
    throw new ApiError(400, "invalid_encoding", "The request body is not valid UTF-8.");
  }
}

/**
 * How a request asks the answer cache to behave, from its Cache-Control header: `no-store`
 * bypasses the cache, `no-cache` computes a fresh answer (and caches it); otherwise a cached
 * extractive answer may be served.
 */
function cacheModeOf(req: Request): CacheMode {
  const header = req.headers["cache-control"];
  if (!header) return "use";
  if (/(?:^|,)\s*no-store\s*(?:,|$)/i.test(header)) return "bypass";
  if (/(?:^|,)\s*no-cache\s*(?:,|$)/i.test(header)) return "refresh";
  return "use";
}

type Handler = (req: Request, res: Response) => Promise<void> | void;
const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  Promise.resolve(fn(req, res)).catch(next);
};

/** The Express app: built by a factory so tests drive it with supertest and no port. */
export function createApp(deps: AppDeps): express.Express {
  const { config, state } = deps;
  const app = express();
  app.disable("x-powered-by");
  // Express would hash every JSON body into an ETag; API responses are `no-store`, so no client
  // ever revalidates one. The chat page's files keep their ETags (express.static sets its own).
  app.set("etag", false);
  app.set("trust proxy", config.TRUST_PROXY ?? false);
  app.set("query parser", "simple");
  app.use(requestLogger(deps.logger, [config.API_KEY, config.OPENAI_API_KEY]));
  app.use(securityHeaders());

  const ready = (): Services => {
    if (state.services) return state.services;
    if (state.status === "error") {
      throw new ApiError(503, "index_unavailable", "The index could not be built; the operator must check the server log.");
    }
    throw new ApiError(503, "indexing", "The index is still being built; try again in a moment.", undefined, { "Retry-After": "5" });
  };

  // API responses depend on the index and the request, and may sit behind an API key: no cache
  // along the way keeps them (the stream sets its own header).
  app.use("/api", (_req, res, next) => {
    res.set("Cache-Control", "no-store");
    next();
  });
  app.use(allowMethods([[/^\/api\/health\/?$/i, ["GET", "HEAD"]]]));
  app.get("/api/health", (_req, res) => {
    const s = state.services;
    if (!s) {
      res.status(503).json({ status: state.status === "error" ? "error" : "indexing", ...(state.message ? { message: state.message } : {}) });
      return;
    }
    res.json({
      status: "ok",
      documents: s.index.documents.length,
      chunks: s.index.chunks.length,
      embeddings: { provider: s.index.manifest.embedder.provider, model: s.index.manifest.embedder.model, dims: s.index.manifest.embedder.dims },
      answerer: s.llm ? { mode: "llm", model: s.llm.model } : { mode: "extractive", workers: s.answers.extractionWorkers, workersPlanned: state.workersPlanned ?? 0, answeredByWorkers: s.answers.answeredByWorkers },
    });
  });

  const api = express.Router();
  api.use(rateLimiter({ windowMs: config.RATE_LIMIT_WINDOW_MS, max: config.RATE_LIMIT_MAX }));
  api.use(requireApiKey(config.API_KEY));
  api.use(allowMethods(API_METHODS));
  api.use(requireJson);
  api.use(express.json({ limit: "32kb", strict: true, type: "application/json", verify: verifyUtf8 }));

  const parseAsk = (req: Request) => {
    const parsed = AskRequestSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error, "body");
    return parsed.data;
  };

  api.post(
    "/ask",
    route(async (req, res) => {
      const body = parseAsk(req);
      const services = ready();
      const client = abortOnClientClose(res);
      try {
        const answer = await services.answers.ask({ question: body.question, k: body.k, history: body.history, signal: client.signal, cacheMode: cacheModeOf(req) });
        res.json(answer);
      } catch (err) {
        if (err instanceof AbortError) return;
        throw err;
      } finally {
        client.dispose();
      }
    }),
  );

  api.post(
    "/ask/stream",
    route(async (req, res) => {
      const body = parseAsk(req);
      const services = ready();
      const client = abortOnClientClose(res);
      res.status(200).set({
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache, no-transform",
        Connection: "keep-alive",
        "X-Accel-Buffering": "no",
      });
      res.flushHeaders();
      const send = (event: string, data: unknown) => {
        if (!res.writableEnded && !client.signal.aborted) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      try {
        const answer: Answer = await services.answers.ask({
          question: body.question,
          k: body.k,
          history: body.history,
          signal: client.signal,
          cacheMode: cacheModeOf(req),
          onSources: (citations) => send("sources", { citations }),
          onToken: (delta) => send("token", { delta }),
          onReset: () => send("reset", {}),
        });
        send("done", answer);
      } catch (err) {
        if (!(err instanceof AbortError) && !client.signal.aborted) {
          req.log?.error({ err }, "stream failed");
          send("error", { error: { code: "internal_error", message: "The answer could not be completed." } });
        }
      } finally {
        client.dispose();
        if (!res.writableEnded) res.end();
      }
    }),
  );

  api.get(
    "/search",
    route(async (req, res) => {
      const parsed = SearchQuerySchema.safeParse(req.query);
      if (!parsed.success) throw validationError(parsed.error, "query");
      const services = ready();
      const warnings: string[] = [];
      const results = await services.answers.search(parsed.data.q, parsed.data.k ?? config.RETRIEVAL_K, undefined, warnings);
      res.json(warnings.length > 0 ? { results, warnings } : { results });
    }),
  );

  const summary = (s: Services, id: string) => {
    const d = s.index.documents.find((x) => x.id === id);
    if (!d) return null;
    return {
      id: d.id,
      fileName: d.fileName,
      title: d.metadata.title,
      label: d.metadata.label,
      author: d.metadata.author,
      publisher: d.metadata.publisher ?? null,
      date: d.metadata.date,
      characters: d.text.length,
      chunks: s.index.manifest.documents.find((m) => m.id === d.id)?.chunks ?? 0,
    };
  };

  api.get("/documents", (_req, res) => {
    const s = ready();
    res.json({ documents: s.index.documents.map((d) => summary(s, d.id)!) });
  });

  api.get("/documents/:id", (req, res) => {
    const params = DocumentIdParamsSchema.safeParse(req.params);
    const s = ready();
    // Ids are looked up in the loaded index, never joined into a path.
    const found = params.success ? summary(s, params.data.id) : null;
    if (!found) throw new ApiError(404, "document_not_found", "No document has that id.");
    res.json({ ...found, text: s.index.documents.find((d) => d.id === found.id)!.text });
  });

  api.get("/openapi.json", (_req, res) => {
    res.json(buildOpenApi({ apiKey: Boolean(config.API_KEY) }));
  });

  api.use(createBriefingRouter(ready));
  app.use("/api", api);
  app.use("/api", notFoundHandler);

  const webDir = deps.webDir ?? path.resolve("web");
  app.use(express.static(webDir, { index: "index.html", extensions: ["html"], maxAge: 0 }));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
