import pino from "pino";

const redact = {
  paths: ["req.headers.authorization", "headers.authorization", "*.apiKey", "*.OPENAI_API_KEY", "*.API_KEY", "config.OPENAI_API_KEY", "config.API_KEY"],
  censor: "[redacted]",
};

/**
 * JSON logs for machines; on an interactive terminal, readable lines (pino-pretty) so the
 * person who ran `npm start` sees the URL to open. Secrets are redacted in both.
 */
export function createLogger(level: string, options: { pretty?: boolean } = {}): pino.Logger {
  const pretty = options.pretty ?? false;
  if (pretty) {
    return pino({
      level,
      redact,
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss", ignore: "pid,hostname,req,res,responseTime" } },
    });
  }
  return pino({ level, redact });
}
