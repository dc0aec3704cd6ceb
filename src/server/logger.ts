import pino from "pino";

/** JSON logs; secrets are redacted wherever they might appear in a logged object. */
export function createLogger(level: string): pino.Logger {
  return pino({
    level,
    redact: {
      paths: ["req.headers.authorization", "headers.authorization", "*.apiKey", "*.OPENAI_API_KEY", "*.API_KEY", "config.OPENAI_API_KEY", "config.API_KEY"],
      censor: "[redacted]",
    },
  });
}
