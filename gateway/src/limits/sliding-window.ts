/**
 * Sliding-window-log math for per-route request limits ("5 per minute"), pure and clocked by
 * the caller. The log keeps the time of each counted request in the last `windowMs`; a request
 * of weight n passes when the log has room for n more, so no window of that length ever holds
 * more than `max`. Exact, and the retry time is exact too: when enough old entries expire.
 *
 * The Redis store runs the same rules in Lua (redis-scripts.ts); keep the two in step.
 */

export interface WindowLimit {
  /** Most requests counted in any window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface WindowCheck {
  readonly allowed: boolean;
  /** Entries in the window after the check (and the add, when allowed). */
  readonly count: number;
  /** 0 when allowed; otherwise ms until it would be (Infinity when `cost` exceeds `max`). */
  readonly retryAfterMs: number;
  /** Ms until the oldest entry leaves the window (0 when empty). */
  readonly resetMs: number;
}

/** Drops entries no longer inside the window ending at `nowMs`; the log is oldest first. */
export function pruneLog(log: readonly number[], limit: WindowLimit, nowMs: number): number[] {
  const cutoff = nowMs - limit.windowMs;
  let first = 0;
  while (first < log.length && log[first]! <= cutoff) first++;
  return log.slice(first);
}

/** Checks a pruned log; the caller appends `cost` entries at `nowMs` when allowed. */
export function checkWindow(log: readonly number[], limit: WindowLimit, cost: number, nowMs: number): WindowCheck {
  const resetOf = (entries: readonly number[]) => (entries.length === 0 ? 0 : entries[0]! + limit.windowMs - nowMs);
  if (log.length + cost <= limit.max) {
    const after = log.length + cost;
    return { allowed: true, count: after, retryAfterMs: 0, resetMs: log.length === 0 ? (cost > 0 ? limit.windowMs : 0) : resetOf(log) };
  }
  if (cost > limit.max) return { allowed: false, count: log.length, retryAfterMs: Infinity, resetMs: resetOf(log) };
  // The (log.length + cost - max)-th oldest entry must leave before the cost fits.
  const mustExpire = log[log.length + cost - limit.max - 1]!;
  return { allowed: false, count: log.length, retryAfterMs: mustExpire + limit.windowMs - nowMs, resetMs: resetOf(log) };
}
