import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A bare HTTP client for hardening tests: sends exactly the bytes, method, path and headers it is
 * given (no JSON re-serialisation, no content type guessing) and always settles, within a
 * per-request deadline, as a response, a timeout or a connection error.
 */

export interface RawRequest {
  method: string;
  /** Sent as is; must already be percent-encoded where Node's client would refuse a character. */
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Per-request deadline; the socket is destroyed when it passes. Default 5 s. */
  timeoutMs?: number;
}

export interface RawResponse {
  /** 0 when no response arrived (timeout or connection error). */
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  ms: number;
  timedOut: boolean;
  error?: string;
}

export function rawRequest(port: number, options: RawRequest): Promise<RawResponse> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 5_000;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<RawResponse, "ms">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, ms: performance.now() - started });
    };
    const headers: Record<string, string | number> = { ...(options.headers ?? {}) };
    if (options.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length")) {
      headers["Content-Length"] = Buffer.byteLength(options.body);
    }
    let req: http.ClientRequest;
    try {
      req = http.request({ host: "127.0.0.1", port, method: options.method, path: options.path, headers, agent: false });
    } catch (err) {
      // Node's client refuses some paths or headers outright; that is the caller's mistake, reported as such.
      finish({ status: 0, headers: {}, text: "", json: undefined, timedOut: false, error: `client refused: ${(err as Error).message}` });
      return;
    }
    const timer = setTimeout(() => {
      finish({ status: 0, headers: {}, text: "", json: undefined, timedOut: true, error: "timeout" });
      req.destroy();
    }, timeoutMs);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", () => undefined);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        finish({ status: res.statusCode ?? 0, headers: res.headers, text, json, timedOut: false });
      });
    });
    req.on("error", (err) => finish({ status: 0, headers: {}, text: "", json: undefined, timedOut: false, error: err.message }));
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

/** Listens on 127.0.0.1 at a free port; close() also ends kept-alive and hanging connections. */
export async function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `tasks` with at most `limit` in flight, preserving order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const l = await listen((_req, res) => res.end());
  await l.close();
  return l.port;
}

/**
 * Resolves with `promise`'s value, or with `fallback` after `ms`; the timer is cleared either
 * way, so waiting leaves no handle behind (the fault tests count active timers).
 */
export function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
