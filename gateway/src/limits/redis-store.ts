/**
 * The Redis limiter store: counters shared by every gateway replica, each call one atomic Lua
 * script (redis-scripts.ts). Commands fail fast (redis/fail-fast-client.ts) and every failure
 * surfaces as a `StoreUnavailableError` for the policy to decide.
 */
import type { Redis } from "ioredis";
import { closeRedis, failFastRedis, readyWithin, redactUrl } from "../redis/fail-fast-client.ts";
import type { Logger } from "../logging/logger.ts";
import { adjustScript, takeScript } from "./redis-scripts.ts";
import { StoreUnavailableError, type BucketAdjustment, type LimitOutcome, type LimitSpec, type LimiterStore, type TakeResult } from "./store.ts";

export interface RedisStoreOptions {
  url: string;
  /** Prefix of every key this store writes. */
  keyPrefix: string;
  /** A command slower than this fails (and the policy decides). */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  logger: Logger;
  /** Called on every failed command, for the metric. */
  onError?: (error: Error) => void;
}

type ScriptRunner = (numberOfKeys: number, ...args: Array<string | number>) => Promise<unknown>;

export class RedisStore implements LimiterStore {
  readonly kind = "redis";
  private readonly client: Redis;

  private constructor(private readonly options: RedisStoreOptions) {
    this.client = failFastRedis({ ...options, onConnectionError: (e) => options.logger.warn({ reason: e.message }, "redis limiter store connection error") });
    this.client.defineCommand("gatewayLimitTake", { lua: takeScript });
    this.client.defineCommand("gatewayLimitAdjust", { lua: adjustScript });
  }

  /** Connects, waiting at most `connectTimeoutMs`; an unreachable Redis is logged, not fatal. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    if (!(await readyWithin(store.client, options.connectTimeoutMs))) {
      options.logger.warn({ url: redactUrl(options.url) }, "redis limiter store not reachable at start; limits follow limits.onStoreError until it is");
    }
    return store;
  }

  async take(limits: readonly LimitSpec[]): Promise<TakeResult> {
    const keys = limits.map((l) => this.options.keyPrefix + l.key);
    const args = limits.flatMap((l) => (l.kind === "bucket" ? ["b", l.capacity, l.refillPerSecond, l.cost] : ["w", l.max, l.windowMs, l.cost]));
    const raw = (await this.run("gatewayLimitTake", keys, [limits.length, ...args])) as number[];
    const outcomes: LimitOutcome[] = limits.map((_, i) => {
      const [ok, limit, remaining, resetMs, retry] = raw.slice(1 + i * 5, 6 + i * 5) as [number, number, number, number, number];
      return { allowed: ok === 1, limit, remaining, resetMs: Math.max(0, resetMs), retryAfterMs: retry < 0 ? Infinity : retry };
    });
    return { allowed: raw[0] === 1, outcomes };
  }

  async adjust(adjustments: readonly BucketAdjustment[]): Promise<readonly LimitOutcome[]> {
    if (adjustments.length === 0) return [];
    const keys = adjustments.map((a) => this.options.keyPrefix + a.key);
    const args = adjustments.flatMap((a) => [a.capacity, a.refillPerSecond, a.delta]);
    const raw = (await this.run("gatewayLimitAdjust", keys, [adjustments.length, ...args])) as number[];
    return adjustments.map((a, i) => ({ allowed: true, limit: a.capacity, remaining: raw[i * 2]!, resetMs: raw[i * 2 + 1]!, retryAfterMs: 0 }));
  }

  close(): Promise<void> {
    return closeRedis(this.client);
  }

  private async run(command: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    const runner = (this.client as unknown as Record<string, ScriptRunner>)[command]!.bind(this.client);
    try {
      return await runner(keys.length, ...keys, ...args.map(String));
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      this.options.onError?.(error);
      throw new StoreUnavailableError(`redis limiter store failed: ${error.message}`, { cause: error });
    }
  }
}
