/**
 * The in-process limiter store: exact, atomic (one event loop), and per process. Idle state is
 * swept periodically so a stream of distinct consumers cannot grow memory without bound: a
 * full bucket and an empty window are the same as no entry at all.
 */
import { adjustBucket, checkBucket, msUntilFull, tokensAt, type BucketState } from "./token-bucket.ts";
import { checkWindow, pruneLog } from "./sliding-window.ts";
import type { BucketAdjustment, LimitOutcome, LimitSpec, LimiterStore, TakeResult } from "./store.ts";

export interface MemoryStoreOptions {
  /** Epoch ms; tests inject a fake. Default Date.now. */
  now?: () => number;
  /** How many calls between sweeps of idle entries. Default 1000. */
  sweepEvery?: number;
}

type Entry =
  | { kind: "bucket"; state: BucketState; capacity: number; refillPerSecond: number }
  | { kind: "window"; log: number[]; windowMs: number };

export class MemoryStore implements LimiterStore {
  readonly kind = "memory";
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly sweepEvery: number;
  private calls = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweepEvery = options.sweepEvery ?? 1000;
  }

  async take(limits: readonly LimitSpec[]): Promise<TakeResult> {
    const now = this.now();
    this.maybeSweep(now);
    const checks = limits.map((spec) => {
      if (spec.kind === "bucket") {
        const entry = this.entries.get(spec.key);
        const state = entry?.kind === "bucket" ? entry.state : undefined;
        return { spec, check: checkBucket(state, spec, spec.cost, now) } as const;
      }
      const entry = this.entries.get(spec.key);
      const log = pruneLog(entry?.kind === "window" ? entry.log : [], spec, now);
      return { spec, log, check: checkWindow(log, spec, spec.cost, now) } as const;
    });
    const allowed = checks.every((c) => c.check.allowed);
    const outcomes: LimitOutcome[] = checks.map((c) => {
      if (c.spec.kind === "bucket") {
        const spec = c.spec;
        const check = c.check as ReturnType<typeof checkBucket>;
        const tokens = allowed ? check.tokens : tokensAt(this.bucketState(spec.key), spec, now);
        if (allowed) this.entries.set(spec.key, { kind: "bucket", state: { tokens, updatedAtMs: now }, capacity: spec.capacity, refillPerSecond: spec.refillPerSecond });
        return { allowed: check.allowed, limit: spec.capacity, remaining: Math.max(0, Math.floor(tokens)), resetMs: msUntilFull(tokens, spec), retryAfterMs: check.retryAfterMs };
      }
      const spec = c.spec;
      const log = (c as { log: number[] }).log;
      const check = c.check as ReturnType<typeof checkWindow>;
      if (allowed) {
        for (let i = 0; i < spec.cost; i++) log.push(now);
        this.entries.set(spec.key, { kind: "window", log, windowMs: spec.windowMs });
      }
      const count = allowed ? check.count : log.length;
      return { allowed: check.allowed, limit: spec.max, remaining: Math.max(0, spec.max - count), resetMs: check.resetMs, retryAfterMs: check.retryAfterMs };
    });
    return { allowed, outcomes };
  }

  async adjust(adjustments: readonly BucketAdjustment[]): Promise<readonly LimitOutcome[]> {
    const now = this.now();
    return adjustments.map((a) => {
      const state = adjustBucket(this.bucketState(a.key), a, a.delta, now);
      this.entries.set(a.key, { kind: "bucket", state, capacity: a.capacity, refillPerSecond: a.refillPerSecond });
      return { allowed: true, limit: a.capacity, remaining: Math.max(0, Math.floor(state.tokens)), resetMs: msUntilFull(state.tokens, a), retryAfterMs: 0 };
    });
  }

  /** Entries currently held (for tests of the sweep). */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private bucketState(key: string): BucketState | undefined {
    const entry = this.entries.get(key);
    return entry?.kind === "bucket" ? entry.state : undefined;
  }

  private maybeSweep(now: number): void {
    if (++this.calls % this.sweepEvery !== 0) return;
    for (const [key, entry] of this.entries) {
      const idle =
        entry.kind === "bucket"
          ? tokensAt(entry.state, entry, now) >= entry.capacity
          : pruneLog(entry.log, { max: 0, windowMs: entry.windowMs }, now).length === 0;
      if (idle) this.entries.delete(key);
    }
  }
}
