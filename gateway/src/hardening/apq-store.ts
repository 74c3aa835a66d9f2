/**
 * Automatic persisted query registrations shared by every replica, in Redis. Without it each
 * replica has its own: a client that registered a query on one is told PERSISTED_QUERY_NOT_FOUND
 * by the next and must send the whole query again. Registrations are immutable (a hash names
 * one document, checked at registration), so a bounded in-process tier in front of Redis is
 * never stale and keeps hot queries off the network. Redis failures are misses and lost writes,
 * never errors: the client falls back to sending the query, as the protocol already provides.
 */
import type { Redis } from "ioredis";
import { LruCache } from "../auth/lru.ts";
import type { Logger } from "../logging/logger.ts";
import { closeRedis, failFastRedis, readyWithin, redactUrl } from "../redis/fail-fast-client.ts";
import { atMostEvery } from "../logging/at-most-every.ts";

/** The shape Apollo Server's `persistedQueries.cache` takes (its KeyValueCache). */
export interface ApqCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

export interface SharedApqStoreOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** How long Redis keeps a registration after its last write. */
  ttlSeconds: number;
  logger: Logger;
  /** Registrations kept in this process; documents larger than `maxLocalChars` are not. */
  localEntries?: number;
  maxLocalChars?: number;
}

export class SharedApqStore implements ApqCache {
  private readonly local: LruCache<string, string>;
  private readonly maxLocalChars: number;
  private readonly mayWarn = atMostEvery(5_000);

  private constructor(
    private readonly client: Redis,
    private readonly options: SharedApqStoreOptions,
  ) {
    this.local = new LruCache(options.localEntries ?? 2_000);
    this.maxLocalChars = options.maxLocalChars ?? 65_536;
  }

  /** Connects, waiting at most `connectTimeoutMs`; an unreachable Redis is logged, not fatal. */
  static async connect(options: SharedApqStoreOptions): Promise<SharedApqStore> {
    const client = failFastRedis({ ...options, onConnectionError: (e) => options.logger.warn({ reason: e.message }, "redis APQ store connection error") });
    if (!(await readyWithin(client, options.connectTimeoutMs))) {
      options.logger.warn({ url: redactUrl(options.url) }, "redis APQ store not reachable at start; registrations stay in this process until it is");
    }
    return new SharedApqStore(client, options);
  }

  async get(key: string): Promise<string | undefined> {
    const known = this.local.get(key);
    if (known !== undefined) return known;
    try {
      const value = await this.client.get(this.options.keyPrefix + key);
      if (value === null) return undefined;
      this.remember(key, value);
      return value;
    } catch (e) {
      this.warn(e);
      return undefined;
    }
  }

  async set(key: string, value: string): Promise<void> {
    this.remember(key, value);
    try {
      await this.client.set(this.options.keyPrefix + key, value, "EX", this.options.ttlSeconds);
    } catch (e) {
      this.warn(e);
    }
  }

  async delete(key: string): Promise<boolean> {
    this.local.delete(key);
    try {
      return (await this.client.del(this.options.keyPrefix + key)) > 0;
    } catch (e) {
      this.warn(e);
      return false;
    }
  }

  close(): Promise<void> {
    return closeRedis(this.client);
  }

  private remember(key: string, value: string): void {
    if (value.length <= this.maxLocalChars) this.local.set(key, value);
  }

  private warn(error: unknown): void {
    if (!this.mayWarn()) return;
    this.options.logger.warn({ reason: error instanceof Error ? error.message : String(error) }, "redis APQ store unavailable: registrations are not shared until it answers");
  }
}
