/**
 * What limits a request is held to, as store specs: its consumer's cost budget (the tier's
 * bucket), one window per configured route it selects (each occurrence counts), and the
 * global cost cap, every one scaled by the current load factor. Pure: the plugin brings the
 * estimate, the consumer and the factor; the store does the counting.
 */
import type { LimitsConfig, TierConfig } from "../config/limits.ts";
import type { Consumer } from "./consumer.ts";
import type { CostEstimate } from "./cost-estimator.ts";
import type { BucketAdjustment, LimitSpec } from "./store.ts";

/** A limit as the client hears of it: `consumer`, `route:Mutation.payOrder` or `global`. */
export type LimitName = "consumer" | "global" | `route:${string}`;

export interface NamedSpec {
  readonly name: LimitName;
  readonly spec: LimitSpec;
}

export interface RequestLimits {
  /** What the budget is charged up front: the estimate, at least `minimumCharge`. */
  readonly charge: number;
  /** The largest estimate this consumer may ever run: the configured max, and no more than its budget or the global cap can hold. */
  readonly maxCost: number;
  readonly specs: readonly NamedSpec[];
}

export function limitsFor(config: LimitsConfig, consumer: Consumer, estimate: CostEstimate, factor: number): RequestLimits {
  const tier: TierConfig = config.tiers[consumer.tier]!;
  const charge = Math.max(estimate.cost, config.cost.minimumCharge);
  const specs: NamedSpec[] = [
    {
      name: "consumer",
      spec: { kind: "bucket", key: `budget:${consumer.id}`, capacity: tier.capacity * factor, refillPerSecond: tier.refillPerSecond * factor, cost: charge },
    },
  ];
  for (const [coordinate, route] of Object.entries(config.routes)) {
    const count = estimate.fieldCounts.get(coordinate) ?? 0;
    if (count === 0) continue;
    specs.push({
      name: `route:${coordinate}`,
      spec: { kind: "window", key: `route:${coordinate}:${consumer.id}`, max: Math.max(1, Math.floor(route.max * factor)), windowMs: route.windowMs, cost: count },
    });
  }
  let maxCost = Math.min(tier.maxCost ?? config.cost.maxCost, tier.capacity);
  if (config.global) {
    const capacity = config.global.costPerSecond * config.global.burstSeconds;
    maxCost = Math.min(maxCost, capacity);
    specs.push({
      name: "global",
      spec: { kind: "bucket", key: "global", capacity: capacity * factor, refillPerSecond: config.global.costPerSecond * factor, cost: charge },
    });
  }
  return { charge, maxCost, specs };
}

/** The bucket adjustments that settle a reservation once the actual charge is known (refund when positive). */
export function settle(limits: RequestLimits, actualCharge: number): BucketAdjustment[] {
  const delta = limits.charge - actualCharge;
  if (delta === 0) return [];
  return limits.specs.flatMap(({ spec }) =>
    spec.kind === "bucket" ? [{ key: spec.key, capacity: spec.capacity, refillPerSecond: spec.refillPerSecond, delta }] : [],
  );
}
