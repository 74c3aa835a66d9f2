/**
 * Usage in Redis, so every replica's usage lands in one place and one `schema:check` sees it
 * all. Keys, under the prefix:
 *   op:<hash>          the operation's shape as JSON, expiring with the retention
 *   seen               sorted set: `<hash>\t<client>\t<version>` scored by its last execution
 *   count:<bucket>     hash: the same members → executions in that bucket, expiring with the retention
 *   buckets            sorted set of the bucket starts that have a count key
 * Writes are increments (HINCRBY, ZADD GT), so replicas flushing at once never lose counts.
 * Loaded only when Redis is configured, like the other Redis users.
 */
import type { Redis } from "ioredis";
import type { OperationShape } from "./operation-shape.ts";
import { groupByOperation, type RecordedOperation, type UsageBatch, type UsageStore } from "./store.ts";

export interface RedisUsageStoreOptions {
  keyPrefix: string;
  retentionMs: number;
  /** The recorders' bucket size: a bucket that starts before the window may still reach into it. */
  bucketMs: number;
}

export class RedisUsageStore implements UsageStore {
  constructor(
    private readonly client: Redis,
    private readonly options: RedisUsageStoreOptions,
    private readonly closeClient: () => Promise<void>,
  ) {}

  private key(name: string): string {
    return this.options.keyPrefix + name;
  }

  async write(batch: UsageBatch): Promise<void> {
    const ttl = Math.ceil(this.options.retentionMs / 1000);
    const pipeline = this.client.multi();
    for (const op of batch.operations) pipeline.set(this.key(`op:${op.hash}`), JSON.stringify(op), "EX", ttl);
    const buckets = new Set<number>();
    for (const c of batch.counts) {
      const member = `${c.hash}\t${c.client.name}\t${c.client.version}`;
      pipeline.hincrby(this.key(`count:${c.bucket}`), member, c.count);
      pipeline.zadd(this.key("seen"), "GT", c.lastSeen, member);
      buckets.add(c.bucket);
    }
    for (const bucket of buckets) {
      pipeline.expire(this.key(`count:${bucket}`), ttl);
      pipeline.zadd(this.key("buckets"), bucket, String(bucket));
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async operations(since: number): Promise<RecordedOperation[]> {
    const seen = await this.client.zrangebyscore(this.key("seen"), since, "+inf", "WITHSCORES");
    const lastSeen = new Map<string, number>();
    for (let i = 0; i + 1 < seen.length; i += 2) lastSeen.set(seen[i]!, Number(seen[i + 1]));
    if (lastSeen.size === 0) return [];
    const buckets = await this.client.zrangebyscore(this.key("buckets"), `(${since - this.options.bucketMs}`, "+inf");
    const counts = new Map<string, number>();
    const read = this.client.pipeline();
    for (const bucket of buckets) read.hgetall(this.key(`count:${bucket}`));
    for (const [error, value] of (await read.exec()) ?? []) {
      if (error) throw error;
      for (const [member, count] of Object.entries(value as Record<string, string>)) counts.set(member, (counts.get(member) ?? 0) + Number(count));
    }
    const hashes = [...new Set([...lastSeen.keys()].map((m) => m.split("\t")[0]!))];
    const shapes = new Map<string, OperationShape>();
    const values = await this.client.mget(hashes.map((h) => this.key(`op:${h}`)));
    values.forEach((value, i) => {
      if (value) shapes.set(hashes[i]!, JSON.parse(value) as OperationShape);
    });
    const rows = [];
    for (const [member, last] of lastSeen) {
      const [hash, name = "", version = ""] = member.split("\t");
      const shape = shapes.get(hash!);
      const count = counts.get(member) ?? 0;
      if (!shape || count === 0) continue;
      rows.push({ shape, client: { name, version, count, lastSeen: last } });
    }
    return groupByOperation(rows);
  }

  async prune(before: number): Promise<void> {
    // Count and shape keys expire on their own; only the two indexes need trimming.
    await this.client.multi().zremrangebyscore(this.key("seen"), "-inf", `(${before}`).zremrangebyscore(this.key("buckets"), "-inf", `(${before}`).exec();
  }

  close(): Promise<void> {
    return this.closeClient();
  }
}

/** Connects a Redis usage store with the gateway's fail-fast client. */
export async function connectRedisUsageStore(options: RedisUsageStoreOptions & { url: string; commandTimeoutMs: number; connectTimeoutMs: number; onConnectionError(e: Error): void }): Promise<{ store: RedisUsageStore; ready: boolean }> {
  const { failFastRedis, readyWithin, closeRedis } = await import("../redis/fail-fast-client.ts");
  const client = failFastRedis(options);
  const ready = await readyWithin(client, options.connectTimeoutMs);
  return { store: new RedisUsageStore(client, options, () => closeRedis(client)), ready };
}
