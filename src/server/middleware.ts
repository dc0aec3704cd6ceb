import { timingSafeEqual, createHash, randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import pino, { type Logger } from "pino";
import { ApiError } from "./errors.js";

/** Security headers; the CSP admits only the page's own scripts, styles and API calls. */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
}

/** A JSON copy of `value` in which every occurrence of a secret (4+ characters) is replaced by [redacted]. */
export function scrubSecrets(value: unknown, secrets: readonly (string | undefined)[]): unknown {
  const list = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
  if (list.length === 0) return value;
  const scrub = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return list.reduce((out, secret) => out.split(secret).join("[redacted]"), v);
    if (depth > 8 || v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map((x) => scrub(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x, depth + 1)]));
  };
  let plain: unknown;
  try {
    plain = JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return "[unserialisable]";
  }
  return scrub(plain, 0);
}

/**
 * Structured request logs with a request id (echoed as X-Request-Id); never bodies or auth headers.
 * Logged errors have `secrets` (the API key, the OpenAI key) removed from their message, stack and
 * properties: an upstream error may quote a credential.
 */
export function requestLogger(logger: Logger, secrets: readonly (string | undefined)[] = []): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers["x-request-id"];
      const id = typeof incoming === "string" && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader("X-Request-Id", id);
      return id;
    },
    // Our serializers read the raw request and response: pino's standard ones (which pino-http
    // would run first) copy every header only for these to drop them again.
    wrapSerializers: false,
    serializers: {
      req: (req: { id: unknown; method: string; url: string; originalUrl?: string }) => ({
        id: req.id,
        method: req.method,
        url: String(req.originalUrl ?? req.url).slice(0, 300).replace(/([?&](?:api_?key|token)=)[^&]*/gi, "$1[redacted]"),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      // pino's error serializer (message, stack, cause, own properties; anything not error-like
      // passes through), then every secret removed.
      err: (err: unknown) => scrubSecrets(pino.stdSerializers.err(err as Error), secrets),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info"),
  }) as unknown as RequestHandler;
}

export function rateLimiter(options: { windowMs: number; max: number }): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.max,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    handler: (_req, res, _next, opts) => {
      res.setHeader("Retry-After", String(Math.ceil(opts.windowMs / 1000)));
      res.status(429).json({ error: { code: "rate_limited", message: "Too many requests; retry after the time in the Retry-After header." } });
    },
  });
}

/** Hashing both sides first gives equal-length buffers, so the comparison leaks no length. */
function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** When API_KEY is set, requires `Authorization: Bearer <key>`. */
export function requireApiKey(apiKey: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (!apiKey) return next();
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !safeEqual(match[1]!.trim(), apiKey)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="api"');
      return next(new ApiError(401, "unauthorized", "A valid API key is required: send Authorization: Bearer <key>."));
    }
    next();
  };
}

/**
 * Answers 405 with an Allow header when a known path is asked with a method it does not
 * serve (OPTIONS gets 204 with the same header), instead of the 404 of an unknown route.
 * `routes` match `req.path` as seen where the middleware is mounted.
 */
export function allowMethods(routes: readonly (readonly [RegExp, readonly string[]])[]): RequestHandler {
  return (req, res, next) => {
    const allowed = routes.find(([pattern]) => pattern.test(req.path))?.[1];
    if (!allowed || allowed.includes(req.method)) return next();
    res.setHeader("Allow", allowed.join(", "));
    if (req.method === "OPTIONS") {
      res.status(204).end();
      return;
    }
    next(new ApiError(405, "method_not_allowed", `This route does not accept ${req.method.slice(0, 20)}; use ${allowed.join(" or ")}.`));
  };
}

/** POST bodies must be JSON: anything else is refused with 415 before parsing. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (req.method !== "POST") return next();
  if (!req.is("application/json")) {
    return next(new ApiError(415, "unsupported_media_type", "Send the request body as application/json."));
  }
  next();
};

/**
 * An AbortSignal that fires when the client goes away before the response is finished, so
 * the work behind a request (retrieval, an LLM call) stops with it. `dispose` detaches it.
 */
export function abortOnClientClose(res: import("express").Response): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableEnded) controller.abort();
  };
  res.on("close", onClose);
  return { signal: controller.signal, dispose: () => res.off("close", onClose) };
}
