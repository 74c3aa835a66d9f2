/**
 * The `usage` section: recording which operations clients execute (gateway/src/usage/), for
 * `npm run schema:check`, the deprecation counts and the reload guard. Absent: nothing is
 * recorded and the reload guard has nothing to check.
 */
import { z } from "zod";
import { redisConnectionSchema } from "./redis.ts";

const positive = z.number().int().positive();

const usageRedisSchema = redisConnectionSchema("gateway:usage:").extend({
  /** A flush is one pipelined batch; it may take longer than a rate-limit check. */
  commandTimeoutMs: positive.default(2_000),
});

/** The usage Redis section from just a URL (REDIS_URL), with the defaults above. */
export const usageRedisFromUrl = (url: string) => usageRedisSchema.parse({ url });

export const usageConfigSchema = z.strictObject({
  /** The embedded store, used unless `redis` is set: a SQLite file (created with its directory). */
  sqlite: z.strictObject({ path: z.string().min(1).default("data/usage.db") }).prefault({}),
  /** Usage of every replica in one Redis (REDIS_URL sets it too); replaces the SQLite file. */
  redis: usageRedisSchema.optional(),
  /** How long counts are kept, in days. Default 30. */
  retentionDays: positive.default(30),
  /** Counts are kept per bucket of this many seconds (at most an hour). Default 60. */
  bucketSeconds: positive.max(3_600).default(60),
  /** How often counts held in memory are written to the store, in ms. Default 10000. */
  flushIntervalMs: positive.default(10_000),
  /** Distinct (operation, client, bucket) counts held between two flushes; beyond it new ones are dropped and logged. Default 10000. */
  maxPendingCounts: positive.default(10_000),
  /** Operation shapes cached per supergraph, and operations the reload guard remembers. Default 2000. */
  maxOperations: positive.default(2_000),
});

export type UsageConfig = z.output<typeof usageConfigSchema>;

export const reloadGuardSchema = z.strictObject({
  /**
   * On a watched supergraph change, check the new schema against the operations executed in the
   * last `windowMinutes` (needs `usage`): `enforce` keeps the old supergraph when any would break,
   * `warn` swaps and logs them, `off` does not check. SIGHUP swaps a held change in anyway.
   */
  mode: z.enum(["enforce", "warn", "off"]).default("enforce"),
  windowMinutes: positive.default(60),
});
