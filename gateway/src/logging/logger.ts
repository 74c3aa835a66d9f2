/**
 * The gateway's pino logger. Writes go through pino's asynchronous destination so logging
 * never blocks the event loop; credentials are redacted by path wherever they appear.
 */
import pino, { type Logger } from "pino";

export type { Logger };

export const redactPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  "headers.authorization",
  "headers.cookie",
  "authorization",
  "password",
  "token",
  "accessToken",
  "refreshToken",
  // Defense in depth behind the access log's own variable redaction: one level down anywhere.
  'headers["set-cookie"]',
  'headers["x-api-key"]',
  "cookie",
  "*.authorization",
  "*.cookie",
  "*.password",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; defaults to stdout through an async sonic-boom destination. */
  destination?: pino.DestinationStream;
  name?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level: options.level,
      name: options.name ?? "gateway",
      // The same base fields as the subgraphs' lines (subgraphs/shared/logger.ts), so one query spans both.
      base: { service: options.name ?? "gateway" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
