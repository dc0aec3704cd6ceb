import type { ErrorRequestHandler, RequestHandler } from "express";
import { z } from "zod";

/** An error meant for the client: status, stable code, safe message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Response headers that belong with the error (Retry-After). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** zod issues as client-facing details: where and what, never the offending value echoed back whole. */
export function validationError(error: z.ZodError, where: "body" | "query" | "params"): ApiError {
  const details = error.issues.slice(0, 20).map((i) => ({ path: [where, ...i.path.map(String)].join("."), message: issueMessage(i) }));
  return new ApiError(400, "invalid_request", `Invalid request ${where}: ${details[0]?.path ?? where} ${details[0]?.message ?? ""}`.trim(), details);
}

/** zod's words for a field that is absent ("expected string, received undefined") say it is required. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) return `is required (${issue.expected})`;
  if (issue.code === "invalid_type" && issue.path.length === 0 && issue.expected === "object") return "must be a JSON object";
  return issue.message;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, "not_found", `No route for ${req.method.slice(0, 20)} ${(req.baseUrl + req.path).slice(0, 200)}`));
};

function parsesAsJson(body: unknown): boolean {
  if (typeof body !== "string") return false;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/** Maps body-parser's and our own errors to statuses; everything else is a 500 without internals. */
function classify(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; expose?: boolean };
  const status = e?.status ?? e?.statusCode;
  switch (e?.type) {
    case "entity.too.large":
      return new ApiError(413, "payload_too_large", "The request body is larger than the 32 kB limit.");
    case "entity.parse.failed":
      // Strict parsing takes only an object or array at the top: `null` or `"hi"` is JSON, but no request.
      return parsesAsJson((err as { body?: unknown }).body)
        ? new ApiError(400, "invalid_request", "The request body must be a JSON object.")
        : new ApiError(400, "invalid_json", "The request body is not valid JSON.");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new ApiError(415, "unsupported_encoding", "The request body's encoding or charset is not supported.");
    case "request.aborted":
      return new ApiError(400, "request_aborted", "The request was aborted by the client.");
    case "stream.encoding.set":
    case "stream.not.readable":
      return new ApiError(400, "invalid_request", "The request body could not be read.");
  }
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new ApiError(status, "bad_request", "The request could not be processed.");
  }
  return new ApiError(500, "internal_error", "Something went wrong on our side; the error has been logged.");
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const api = classify(err);
  if (api.status >= 500) req.log?.error({ err }, "request failed");
  else req.log?.debug({ code: api.code }, "request rejected");
  if (res.headersSent) {
    res.end();
    return;
  }
  if (api.headers) res.set(api.headers);
  res.status(api.status).json({ error: { code: api.code, message: api.message, ...(api.details !== undefined ? { details: api.details } : {}) } });
};
