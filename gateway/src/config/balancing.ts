/**
 * Load-balancing settings for a subgraph's instances: algorithm, hash key, active health
 * checks, passive outlier detection and the retry budget. Spread into the subgraph settings, so
 * each can be set in `subgraphs.all` and overridden per subgraph, key by key.
 */
import { z } from "zod";

const positiveMs = z.number().int().positive();

/** One instance of a subgraph. */
export const instanceSchema = z.strictObject({
  url: z.url(),
  /** Relative share of traffic for weighted-round-robin, least-outstanding and consistent-hash. */
  weight: z.number().int().positive().max(1_000).default(1),
});
export type InstanceConfig = z.output<typeof instanceSchema>;

export const balancerAlgorithmSchema = z.enum(["round-robin", "weighted-round-robin", "least-outstanding", "consistent-hash"]);
export type BalancerAlgorithm = z.output<typeof balancerAlgorithmSchema>;

/**
 * What consistent-hash hashes. `consumer`: the JWT `sub` of a verified caller, else the
 * `x-api-key` header, else the client address. `{ header }`: that header (client address when
 * absent). `client-address`: the address the gateway sees.
 */
export const hashKeySchema = z.union([
  z.literal("consumer"),
  z.literal("client-address"),
  z.strictObject({ header: z.string().min(1).toLowerCase() }),
]);
export type HashKeyConfig = z.output<typeof hashKeySchema>;

export const balancingSettingsShape = {
  /** How an instance is chosen for each fetch. */
  balancer: balancerAlgorithmSchema.default("round-robin"),
  /** The key consistent-hash uses; ignored by the other algorithms. */
  hashKey: hashKeySchema.default("consumer"),
  /** Active checks: a query sent to every instance on an interval. */
  healthCheck: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Time between checks of one instance, in ms. */
      intervalMs: positiveMs.default(5_000),
      /** Deadline for one check, in ms. */
      timeoutMs: positiveMs.default(1_000),
      /** The query sent; passes when the answer has `data`. */
      query: z.string().min(1).default("{ __typename }"),
      /** Consecutive failed checks that take a healthy instance out of rotation. */
      unhealthyThreshold: z.number().int().positive().default(2),
    })
    .prefault({}),
  /**
   * Passive checks (Envoy's outlier detection): consecutive connection failures, resets,
   * timeouts or 5xx answers eject an instance; each ejection lasts longer than the last.
   */
  outlierDetection: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Consecutive failed fetches that eject an instance. */
      consecutiveFailures: z.number().int().positive().default(5),
      /** First ejection's length, in ms. */
      baseEjectionMs: positiveMs.default(10_000),
      /** How repeated ejections grow: base × n (Envoy) or base × 2^(n-1). */
      growth: z.enum(["linear", "exponential"]).default("linear"),
      /** Longest ejection, in ms. */
      maxEjectionMs: positiveMs.default(300_000),
      /** Share of a subgraph's instances that may be ejected at once; at least one always may (0 turns ejection off). */
      maxEjectedPercent: z.number().int().min(0).max(100).default(50),
    })
    .prefault({}),
  /** One retry on another instance, for failures that are safe to repeat. */
  retry: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Retries may add at most this share of the subgraph's requests in the window. */
      budgetRatio: z.number().min(0).max(1).default(0.1),
      /** Retries always allowed per second on top of the ratio, so low traffic can still retry. */
      minPerSecond: z.number().min(0).default(5),
      /** The sliding window the ratio is measured over, in ms. */
      windowMs: positiveMs.default(10_000),
    })
    .prefault({}),
};

/** Settings only a named subgraph may have (instances differ per subgraph). */
export const instancesSchema = z.array(instanceSchema).min(1);
