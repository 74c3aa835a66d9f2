/**
 * `limits.onStoreError: "local"`: while the shared store fails, limits are kept by a
 * per-process memory store instead, so a Redis outage degrades to per-replica limits rather
 * than none (`allow`) or refusing everyone (`deny`). Each call tries the shared store first,
 * so it takes over again as soon as it answers.
 */
import type { BucketAdjustment, LimitOutcome, LimitSpec, LimiterStore, TakeResult } from "./store.ts";

export class FailoverStore implements LimiterStore {
  readonly kind = "failover";

  constructor(
    private readonly primary: LimiterStore,
    private readonly local: LimiterStore,
    private readonly onFailover: (error: unknown) => void,
  ) {}

  async take(limits: readonly LimitSpec[]): Promise<TakeResult> {
    try {
      return await this.primary.take(limits);
    } catch (e) {
      this.onFailover(e);
      return this.local.take(limits);
    }
  }

  async adjust(adjustments: readonly BucketAdjustment[]): Promise<readonly LimitOutcome[]> {
    try {
      return await this.primary.adjust(adjustments);
    } catch (e) {
      this.onFailover(e);
      return this.local.adjust(adjustments);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.local.close()]);
  }
}
