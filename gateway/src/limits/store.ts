/**
 * What a limiter store does: check several limits at once and take from all of them only if
 * all pass (so a request refused by its route limit spends none of its cost budget), and
 * adjust buckets after the fact (refunds). The memory store serves one process; the Redis
 * store shares the counters between replicas and runs each call as one atomic script.
 */

/** One limit to check for a request, with the amount it would take. */
export type LimitSpec =
  | {
      readonly kind: "bucket";
      readonly key: string;
      readonly capacity: number;
      readonly refillPerSecond: number;
      readonly cost: number;
    }
  | {
      readonly kind: "window";
      readonly key: string;
      readonly max: number;
      readonly windowMs: number;
      readonly cost: number;
    };

/** A limit's state after a check or an adjustment, in the terms of the RateLimit headers. */
export interface LimitOutcome {
  readonly allowed: boolean;
  /** Capacity (bucket) or max (window). */
  readonly limit: number;
  /** Whole units left. */
  readonly remaining: number;
  /** Ms until the limit is fully available again (bucket full / oldest entry gone). */
  readonly resetMs: number;
  /** 0 when allowed; ms until the request would pass; Infinity when it never can. */
  readonly retryAfterMs: number;
}

export interface TakeResult {
  /** True when every limit passed and all were taken from. */
  readonly allowed: boolean;
  /** One per spec, in order. */
  readonly outcomes: readonly LimitOutcome[];
}

/** A change to a bucket after the request ran: positive refunds, negative charges more. */
export interface BucketAdjustment {
  readonly key: string;
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly delta: number;
}

export interface LimiterStore {
  readonly kind: "memory" | "redis" | "failover";
  take(limits: readonly LimitSpec[]): Promise<TakeResult>;
  /** One outcome per adjustment, in order. */
  adjust(adjustments: readonly BucketAdjustment[]): Promise<readonly LimitOutcome[]>;
  close(): Promise<void>;
}

/** The store could not answer (Redis down or slow); the policy decides what that means. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}
