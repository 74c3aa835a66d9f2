/**
 * A retry budget (Finagle's and Linkerd's): over a sliding window, retries may number at most
 * `budgetRatio` of the requests plus `minPerSecond` × window seconds, so a struggling cluster
 * gets at most that much extra load from retries. The window is a ring of buckets; time comes
 * from an injected clock.
 */
export interface RetryBudgetSettings {
  /** Retries allowed per request in the window (0.1: one retry per ten requests). */
  budgetRatio: number;
  /** Retries always allowed per second of window, whatever the traffic. */
  minPerSecond: number;
  windowMs: number;
}

interface Bucket {
  /** Which bucket period this holds (epoch ms / bucket length). */
  period: number;
  requests: number;
  retries: number;
}

export class RetryBudget {
  private readonly buckets: Bucket[];
  private readonly bucketMs: number;

  constructor(
    private readonly settings: RetryBudgetSettings,
    private readonly now: () => number,
    bucketCount = 10,
  ) {
    this.bucketMs = Math.max(1, Math.ceil(settings.windowMs / bucketCount));
    this.buckets = Array.from({ length: bucketCount }, () => ({ period: -1, requests: 0, retries: 0 }));
  }

  /** Counts a first attempt (retries are not requests: they do not earn budget). */
  recordRequest(): void {
    this.current().requests++;
  }

  /** Spends one retry if the budget has one; false when it is exhausted. */
  tryRetry(): boolean {
    if (this.available() < 1) return false;
    this.current().retries++;
    return true;
  }

  /** Retries the budget still allows in the current window. */
  available(): number {
    const { requests, retries } = this.totals();
    const allowance = this.settings.minPerSecond * (this.settings.windowMs / 1000) + this.settings.budgetRatio * requests;
    return Math.max(0, Math.floor(allowance - retries));
  }

  private totals(): { requests: number; retries: number } {
    const period = Math.floor(this.now() / this.bucketMs);
    let requests = 0;
    let retries = 0;
    for (const b of this.buckets) {
      if (period - b.period < this.buckets.length) {
        requests += b.requests;
        retries += b.retries;
      }
    }
    return { requests, retries };
  }

  private current(): Bucket {
    const period = Math.floor(this.now() / this.bucketMs);
    const bucket = this.buckets[period % this.buckets.length]!;
    if (bucket.period !== period) {
      bucket.period = period;
      bucket.requests = 0;
      bucket.retries = 0;
    }
    return bucket;
  }
}
