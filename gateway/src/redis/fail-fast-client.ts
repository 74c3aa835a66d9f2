/**
 * The Redis client for state shared across replicas. A Redis outage must never crash or hang
 * the gateway, so commands fail fast instead of queueing (offline queue off, a short command
 * timeout, no per-command retries) and their callers decide what a failure means. The client
 * keeps reconnecting in the background with a capped backoff. Loaded only when Redis is
 * configured (callers import it dynamically), so a gateway without Redis never loads ioredis.
 */
import { Redis } from "ioredis";
import { atMostEvery } from "../logging/at-most-every.ts";

export interface FailFastRedisOptions {
  url: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** Connection errors, at most one call every 5 s (ioredis would print every one). */
  onConnectionError(error: Error): void;
}

export function failFastRedis(options: FailFastRedisOptions): Redis {
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
    enableAutoPipelining: true,
  });
  const mayReport = atMostEvery(5_000);
  client.on("error", (e: Error) => {
    if (mayReport()) options.onConnectionError(e);
  });
  return client;
}

/** True once the client is ready, false when `timeoutMs` passed first (it keeps trying). */
export function readyWithin(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    client.once("ready", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Quits politely, or drops the connection after 500 ms. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
  } catch {
    // already closed or unreachable: disconnect below ends it either way
  }
  client.disconnect(false);
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "redacted";
    return parsed.toString();
  } catch {
    return "(unparseable url)";
  }
}
