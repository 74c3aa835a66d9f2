/**
 * The limits a request is held to: its tier's budget, a window per configured route it selects
 * (each occurrence counts), the global cap, all scaled by the load factor; the max cost is the
 * configured one but never more than the budget or the cap can hold.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { limitsConfigSchema } from "../../../gateway/src/config/limits.ts";
import { limitsFor, settle } from "../../../gateway/src/limits/policy.ts";

const config = limitsConfigSchema.parse({
  cost: { maxCost: 500 },
  tiers: { anonymous: { capacity: 100, refillPerSecond: 10 }, customer: { capacity: 1000, refillPerSecond: 100, maxCost: 800 }, partner: { capacity: 1, refillPerSecond: 1 }, admin: { capacity: 1, refillPerSecond: 1 } },
  routes: { "Mutation.payOrder": { max: 5, windowMs: 60_000 } },
  global: { costPerSecond: 2000 },
});
const estimate = (cost: number, counts: Record<string, number> = {}) => ({ cost, fieldCounts: new Map(Object.entries(counts)) });
const anon = { id: "addr:1", kind: "address" as const, tier: "anonymous" };
const customer = { id: "user:u", kind: "user" as const, tier: "customer" };

describe("the limits for a request", () => {
  it("hold a consumer to its tier's bucket and everyone to the global cap", () => {
    const l = limitsFor(config, anon, estimate(40), 1);
    assert.deepEqual(l.specs.map((s) => s.name), ["consumer", "global"]);
    assert.deepEqual(l.specs[0]!.spec, { kind: "bucket", key: "budget:addr:1", capacity: 100, refillPerSecond: 10, cost: 40 });
  });

  it("charge at least the minimum for a free operation", () => {
    assert.equal(limitsFor(config, anon, estimate(0), 1).charge, 1);
  });

  it("add a route window counting each occurrence of the field", () => {
    const l = limitsFor(config, customer, estimate(20, { "Mutation.payOrder": 2 }), 1);
    const route = l.specs.find((s) => s.name === "route:Mutation.payOrder")!.spec;
    assert.deepEqual(route, { kind: "window", key: "route:Mutation.payOrder:user:u", max: 5, windowMs: 60_000, cost: 2 });
  });

  it("cap the max cost at the tier's budget, the tier's own max, or the global burst", () => {
    assert.equal(limitsFor(config, anon, estimate(1), 1).maxCost, 100);
    assert.equal(limitsFor(config, customer, estimate(1), 1).maxCost, 800);
  });

  it("scale every limit by the load factor", () => {
    const l = limitsFor(config, customer, estimate(20, { "Mutation.payOrder": 1 }), 0.5);
    const [consumer, route, global] = l.specs.map((s) => s.spec);
    assert.equal(consumer!.kind === "bucket" && consumer!.capacity, 500);
    assert.equal(route!.kind === "window" && route!.max, 2);
    assert.equal(global!.kind === "bucket" && global!.refillPerSecond, 1000);
  });

  it("settle a reservation by refunding the buckets the difference", () => {
    const l = limitsFor(config, customer, estimate(100, { "Mutation.payOrder": 1 }), 1);
    assert.deepEqual(settle(l, 30).map((a) => [a.key, a.delta]), [["budget:user:u", 70], ["global", 70]]);
    assert.deepEqual(settle(l, 100), []);
  });
});
