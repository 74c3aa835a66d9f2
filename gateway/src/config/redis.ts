/**
 * A Redis connection for state shared by every gateway replica (rate-limit counters, APQ
 * registrations). Each user has its own key prefix, so one Redis can hold both.
 */
import { z } from "zod";

const positiveMs = z.number().int().positive();

export const redisConnectionSchema = (defaultKeyPrefix: string) =>
  z.strictObject({
    /** `redis://[:password@]host:port[/db]` (or `rediss://`). The environment variable REDIS_URL sets it too. */
    url: z.string().regex(/^rediss?:\/\//, { message: "expected a redis:// or rediss:// URL" }),
    /** Prefix of every key written. */
    keyPrefix: z.string().default(defaultKeyPrefix),
    /** A command slower than this fails (its user decides what that means). */
    commandTimeoutMs: positiveMs.default(250),
    /** How long a (re)connection attempt may take; start-up waits at most this long. */
    connectTimeoutMs: positiveMs.default(1_000),
  });

export type RedisConfig = z.output<ReturnType<typeof redisConnectionSchema>>;
