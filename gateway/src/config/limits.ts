/**
 * The `limits` section of the gateway config: demand control (operation cost from the
 * supergraph's `@cost`/`@listSize`) and rate limits (per consumer by tier, per route, global,
 * shrinking under overload). The whole section is optional: without it nothing is estimated
 * or limited, so the gateway serves any supergraph as is. Every key below has its default.
 */
import { z } from "zod";
import { redisConnectionSchema, type RedisConfig } from "./redis.ts";

const positiveMs = z.number().int().positive();
const coordinate = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected a field coordinate such as "Mutation.payOrder"' });

export const tierSchema = z.strictObject({
  /** Most cost a consumer of this tier may spend at once: the bucket size, i.e. the burst. */
  capacity: z.number().positive(),
  /** Cost refilled per second: the sustained rate. */
  refillPerSecond: z.number().positive(),
  /** Overrides `cost.maxCost` for this tier. */
  maxCost: z.number().positive().optional(),
});
export type TierConfig = z.output<typeof tierSchema>;

/** A written tier: a default tier's entry overrides only the keys it sets; a new tier sets both rates. */
const tierOverrideSchema = tierSchema.partial();

/**
 * The tiers: the defaults below, with the written ones merged over them. Merged rather than
 * replaced, so the other defaults that name tiers (`userTier` "customer", the `tierRules` for
 * admin and partner) stay valid when a config sets only `tiers.anonymous`; a tier nobody is
 * assigned to costs nothing.
 */
const tiersSchema = z
  .record(z.string().min(1), tierOverrideSchema)
  .default({})
  .transform((written, ctx) => {
    const tiers: Record<string, TierConfig> = { ...defaultTiers };
    for (const [name, tier] of Object.entries(written)) {
      const merged = { ...(Object.hasOwn(defaultTiers, name) ? defaultTiers[name] : {}), ...tier };
      if (merged.capacity === undefined || merged.refillPerSecond === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `"${name}" is a new tier (the default tiers are ${Object.keys(defaultTiers).join(", ")}): set both capacity and refillPerSecond`,
        });
        continue;
      }
      tiers[name] = merged as TierConfig;
    }
    return tiers;
  });

/** The tiers when `limits.tiers` is not written, and under the written ones. */
export const defaultTiers: Record<string, TierConfig> = {
  anonymous: { capacity: 1_000, refillPerSecond: 50 },
  customer: { capacity: 5_000, refillPerSecond: 250 },
  partner: { capacity: 20_000, refillPerSecond: 1_000 },
  admin: { capacity: 100_000, refillPerSecond: 5_000 },
};

const tierRuleSchema = z.strictObject({
  /** The tier a matching user gets; must be a key of `limits.tiers`. */
  tier: z.string().min(1),
  /** Matches a user holding any of these roles. */
  roles: z.array(z.string().min(1)).optional(),
  /** Matches a user holding any of these scopes. */
  scopes: z.array(z.string().min(1)).optional(),
  /** Matches when every claim listed equals the value (or, for an array claim, contains it). */
  claims: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type TierRule = z.output<typeof tierRuleSchema>;

const redisSchema = redisConnectionSchema("gateway:limits:");
export type { RedisConfig };

export const redisFromUrl = (url: string): RedisConfig => redisSchema.parse({ url });

export const limitsConfigSchema = z
  .strictObject({
    /** `enforce` refuses over-limit requests; `measure` only reports what it would refuse (logs, metrics, headers). */
    mode: z.enum(["enforce", "measure"]).default("enforce"),
    cost: z
      .strictObject({
        /** Operations whose estimated cost exceeds this are refused (400 COST_ESTIMATED_TOO_EXPENSIVE) before planning. A tier's `maxCost` overrides it. */
        maxCost: z.number().positive().default(10_000),
        /** Size assumed for a list field with no `@listSize` and no slicing argument. */
        defaultListSize: z.number().int().min(0).default(10),
        /** Weight of a root mutation field without `@cost`. */
        mutationWeight: z.number().min(0).default(10),
        /** The least a request is charged, so even free operations (`{ __typename }`) spend budget. */
        minimumCharge: z.number().min(0).default(1),
        /** A request carrying this header (any value but "0"/"false") gets `extensions.cost` with the estimated and actual cost. */
        reportHeader: z.string().toLowerCase().default("x-cost-report"),
      })
      .prefault({}),
    consumers: z
      .strictObject({
        /** Header carrying an API key, for callers without a token. */
        apiKeyHeader: z.string().toLowerCase().default("x-api-key"),
        /**
         * Known API keys by the hex SHA-256 of the key (so the config holds no secret), each with
         * the consumer name it identifies and its tier. An unknown key is ignored: the caller is
         * identified by address, so inventing keys never buys a fresh budget.
         */
        apiKeys: z
          .record(z.string().regex(/^[0-9a-f]{64}$/, { message: "expected the key's hex SHA-256" }), z.strictObject({ consumer: z.string().min(1), tier: z.string().min(1) }))
          .default({}),
        /** Tier of callers with neither token nor known key (identified by client address). */
        anonymousTier: z.string().min(1).default("anonymous"),
        /** Tier of signed-in users no rule matches. */
        userTier: z.string().min(1).default("customer"),
        /** Rules for signed-in users, first match wins. */
        tierRules: z.array(tierRuleSchema).default([
          { tier: "admin", roles: ["admin"] },
          { tier: "partner", roles: ["partner"] },
        ]),
      })
      .prefault({}),
    /** Cost budgets by tier name, merged over the default tiers (anonymous, customer, partner, admin). */
    tiers: tiersSchema,
    /** Request limits per consumer on single fields, e.g. `{ "Mutation.payOrder": { max: 5, windowMs: 60000 } }`; each occurrence of the field in an operation counts one. */
    routes: z.record(coordinate, z.strictObject({ max: z.number().int().positive(), windowMs: positiveMs })).default({}),
    /** A cap on the total cost per second across all consumers; absent: none. */
    global: z
      .strictObject({
        costPerSecond: z.number().positive(),
        /** Seconds of cost the cap lets through at once. */
        burstSeconds: z.number().positive().default(1),
      })
      .optional(),
    /**
     * Shrinks every limit under overload and restores it as load falls: each interval the factor
     * is multiplied by `decrease` while any signal is past its threshold (never below
     * `minFactor`), and otherwise grows by `recoverStep` up to 1. Absent: limits never shrink.
     */
    dynamic: z
      .strictObject({
        intervalMs: positiveMs.default(1_000),
        /** Event-loop delay (p99 over the interval) past which the gateway counts as overloaded. */
        eventLoopDelayMs: z.number().positive().default(200),
        /** Requests in flight past which the gateway counts as overloaded; absent: not a signal. */
        maxInFlight: z.number().int().positive().optional(),
        /** Mean subgraph fetch latency over the interval past which the gateway counts as overloaded; absent: not a signal. */
        upstreamLatencyMs: z.number().positive().optional(),
        minFactor: z.number().gt(0).max(1).default(0.25),
        decrease: z.number().gt(0).lt(1).default(0.5),
        recoverStep: z.number().gt(0).max(1).default(0.1),
      })
      .optional(),
    /** Where counters live: in this process (default), or in Redis shared by every replica. */
    store: z.strictObject({ redis: redisSchema.optional() }).prefault({}),
    /** When the Redis store fails: `allow` (log a warning, count it, let requests through), `deny` (503), or `local` (per-process limits until Redis answers). */
    onStoreError: z.enum(["allow", "deny", "local"]).default("allow"),
  })
  .superRefine((limits, ctx) => {
    const known = (tier: string, path: (string | number)[]) => {
      if (!Object.hasOwn(limits.tiers, tier)) {
        ctx.addIssue({ code: "custom", path, message: `tier "${tier}" is not defined in limits.tiers (defined: ${Object.keys(limits.tiers).join(", ")}); add it there or name one of those` });
      }
    };
    known(limits.consumers.anonymousTier, ["consumers", "anonymousTier"]);
    known(limits.consumers.userTier, ["consumers", "userTier"]);
    limits.consumers.tierRules.forEach((rule, i) => known(rule.tier, ["consumers", "tierRules", i, "tier"]));
    for (const [hash, key] of Object.entries(limits.consumers.apiKeys)) known(key.tier, ["consumers", "apiKeys", hash, "tier"]);
  });

export type LimitsConfig = z.output<typeof limitsConfigSchema>;
export type LimitsConfigInput = z.input<typeof limitsConfigSchema>;
