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
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
