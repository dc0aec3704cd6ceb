import pino from "pino";

/** Text that would reveal internals: stack frames, source paths, module folders. */
export const LEAK = /\bat [\w.<>]+ \(|\.[cm]?[jt]s:\d+|node_modules|\/work\/|\/src\/|[A-Z]:\\|"stack"/;

/** Markup that must never come back as live HTML in an answer's text. */
export const HTML_PAYLOAD = /<\s*(?:script|img|svg|iframe)\b|\bon(?:error|load)\s*=/i;

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** True when `json` is the uniform `{error: {code, message}}` body with non-empty strings. */
export function isApiErrorBody(json: unknown): json is ApiErrorBody {
  if (!json || typeof json !== "object") return false;
  const e = (json as { error?: unknown }).error;
  if (!e || typeof e !== "object") return false;
  const { code, message } = e as { code?: unknown; message?: unknown };
  return typeof code === "string" && code.length > 0 && typeof message === "string" && message.length > 0;
}

/** A pino logger at `level` whose every line lands in `lines` (one JSON string per entry). */
export function captureLogger(level = "debug"): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream: pino.DestinationStream = {
    write(chunk: string) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(line);
    },
  };
  return { logger: pino({ level }, stream), lines };
}

/** Tallies statuses for the closing note: `{ "400": 12, "404": 3 }`. */
export function tally(statuses: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of [...statuses].sort((a, b) => a - b)) out[String(s)] = (out[String(s)] ?? 0) + 1;
  return out;
}
