/**
 * Token-bucket math for cost budgets, pure and clocked by the caller. A bucket holds up to
 * `capacity` tokens (the burst) and refills continuously at `refillPerSecond`; a request
 * takes its cost in tokens or, if there are not enough, takes nothing and learns exactly when
 * there will be. Adjustments after the fact (refunds, charges above the estimate) may push
 * the bucket into debt, never below `-capacity`, so one surprise costs at most one window.
 *
 * The Redis store runs the same rules in Lua (redis-scripts.ts); keep the two in step.
 */

export interface BucketLimit {
  /** Most tokens the bucket holds: the largest burst. */
  readonly capacity: number;
  /** Tokens added per second. */
  readonly refillPerSecond: number;
}

export interface BucketState {
  readonly tokens: number;
  /** When `tokens` was last computed, epoch ms. */
  readonly updatedAtMs: number;
}

export interface BucketCheck {
  readonly allowed: boolean;
  /** Tokens now, after refill and (when allowed) the take. */
  readonly tokens: number;
  /** 0 when allowed; otherwise ms until the cost fits (Infinity when it never can). */
  readonly retryAfterMs: number;
}

/** Tokens in the bucket at `nowMs`; a bucket never seen is full. */
export function tokensAt(state: BucketState | undefined, limit: BucketLimit, nowMs: number): number {
  if (!state) return limit.capacity;
  const elapsedMs = Math.max(0, nowMs - state.updatedAtMs);
  return Math.min(limit.capacity, state.tokens + (elapsedMs * limit.refillPerSecond) / 1000);
}

/** Whether `cost` tokens are available now, and the tokens left if they are taken. */
export function checkBucket(state: BucketState | undefined, limit: BucketLimit, cost: number, nowMs: number): BucketCheck {
  const tokens = tokensAt(state, limit, nowMs);
  if (cost <= tokens) return { allowed: true, tokens: tokens - cost, retryAfterMs: 0 };
  if (cost > limit.capacity) return { allowed: false, tokens, retryAfterMs: Infinity };
  return { allowed: false, tokens, retryAfterMs: Math.ceil(((cost - tokens) * 1000) / limit.refillPerSecond) };
}

/** Adds `delta` tokens (negative charges more), clamped to [-capacity, capacity]. */
export function adjustBucket(state: BucketState | undefined, limit: BucketLimit, delta: number, nowMs: number): BucketState {
  const tokens = tokensAt(state, limit, nowMs) + delta;
  return { tokens: Math.max(-limit.capacity, Math.min(limit.capacity, tokens)), updatedAtMs: nowMs };
}

/** Ms until a bucket holding `tokens` is full again (the `RateLimit-Reset` of a bucket). */
export function msUntilFull(tokens: number, limit: BucketLimit): number {
  return tokens >= limit.capacity ? 0 : Math.ceil(((limit.capacity - tokens) * 1000) / limit.refillPerSecond);
}
