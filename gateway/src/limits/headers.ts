/**
 * The rate-limit response headers (IETF draft-ietf-httpapi-ratelimit-headers): `RateLimit-Limit`,
 * `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the limit is whole again), sent on
 * every limited response, and `Retry-After` (seconds until the refused request would pass) on
 * a 429. When several limits apply, the headers describe the one closest to exhaustion.
 */
import type { LimitOutcome } from "./store.ts";

/** Whole seconds, rounded up, at least 1: a client that waits this long is never early. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

export function rateLimitHeaders(outcome: LimitOutcome): Record<string, string> {
  return {
    "ratelimit-limit": String(Math.floor(outcome.limit)),
    "ratelimit-remaining": String(Math.max(0, Math.floor(outcome.remaining))),
    "ratelimit-reset": String(Math.ceil(outcome.resetMs / 1000)),
  };
}

/** The outcome with the smallest share left. */
export function mostConstrained(outcomes: readonly LimitOutcome[]): LimitOutcome | undefined {
  let best: LimitOutcome | undefined;
  for (const o of outcomes) {
    if (!best || o.remaining / Math.max(o.limit, 1e-9) < best.remaining / Math.max(best.limit, 1e-9)) best = o;
  }
  return best;
}
