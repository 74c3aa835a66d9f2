import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";

/** Paths pino blanks out wherever a request's headers end up in a log line. */
export const REDACTED_PATHS = [
  "authorization",
  "cookie",
  "headers.authorization",
  "headers.cookie",
  "req.headers.authorization",
  "req.headers.cookie",
  "*.authorization",
  "*.cookie",
];

export interface LoggerOptions {
  /** Service name put on every line. */
  service: string;
  /** Default: env LOG_LEVEL, else "info". */
  level?: LevelWithSilent | string;
  /** Default stdout; tests pass a stream that collects the lines. */
  destination?: DestinationStream;
}

/** The one pino logger of a subgraph: JSON lines on stdout, secrets redacted. */
export function createLogger({ service, level, destination }: LoggerOptions): Logger {
  const options = {
    name: service,
    level: level ?? process.env.LOG_LEVEL ?? "info",
    base: { service },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level as a label, like the gateway's lines, so one query covers both.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
