/**
 * The `limits` section: off when absent, documented defaults when present, unknown keys and
 * tiers that do not exist refused with their path, REDIS_URL moving the counters to Redis.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, validateConfig } from "../../../gateway/src/config/load.ts";

describe("the limits config", () => {
  it("is off when absent", () => {
    assert.equal(validateConfig({}, {}).limits, undefined);
  });

  it("applies the documented defaults", () => {
    const limits = validateConfig({ limits: {} }, {}).limits!;
    assert.equal(limits.mode, "enforce");
    assert.deepEqual(limits.cost, { maxCost: 10_000, defaultListSize: 10, mutationWeight: 10, minimumCharge: 1, reportHeader: "x-cost-report" });
    assert.deepEqual(Object.keys(limits.tiers), ["anonymous", "customer", "partner", "admin"]);
    assert.equal(limits.onStoreError, "allow");
    assert.equal(limits.store.redis, undefined);
  });

  it("refuses an unknown key with its path", () => {
    assert.throws(() => validateConfig({ limits: { cost: { maxCots: 5 } } }, {}), (e: Error) => e instanceof ConfigError && /limits\.cost/.test(e.message));
  });

  it("refuses a tier rule naming a tier that does not exist", () => {
    assert.throws(
      () => validateConfig({ limits: { consumers: { tierRules: [{ tier: "gold", roles: ["vip"] }] } } }, {}),
      (e: Error) => /limits\.consumers\.tierRules\.0\.tier: tier "gold" is not defined/.test(e.message),
    );
  });

  it("merges written tiers over the defaults, so setting only tiers.anonymous keeps the other defaults valid", () => {
    const limits = validateConfig({ limits: { tiers: { anonymous: { capacity: 50, refillPerSecond: 1 } } } }, {}).limits!;
    assert.deepEqual(limits.tiers.anonymous, { capacity: 50, refillPerSecond: 1 });
    assert.deepEqual(Object.keys(limits.tiers), ["anonymous", "customer", "partner", "admin"]);
    assert.equal(limits.consumers.userTier, "customer");
  });

  it("lets a default tier's entry override only the keys it writes", () => {
    const limits = validateConfig({ limits: { tiers: { customer: { maxCost: 500 } } } }, {}).limits!;
    assert.deepEqual(limits.tiers.customer, { capacity: 5_000, refillPerSecond: 250, maxCost: 500 });
  });

  it("adds a new tier only with both rates, and says so", () => {
    assert.deepEqual(validateConfig({ limits: { tiers: { gold: { capacity: 9, refillPerSecond: 3 } }, consumers: { userTier: "gold" } } }, {}).limits!.tiers.gold, { capacity: 9, refillPerSecond: 3 });
    assert.throws(
      () => validateConfig({ limits: { tiers: { gold: { capacity: 9 } } } }, {}),
      (e: Error) => /limits\.tiers\.gold: "gold" is a new tier .*set both capacity and refillPerSecond/.test(e.message),
    );
  });

  it("names the defined tiers when a written reference names another", () => {
    assert.throws(
      () => validateConfig({ limits: { consumers: { userTier: "gold" } } }, {}),
      (e: Error) => /limits\.consumers\.userTier: tier "gold" is not defined in limits\.tiers \(defined: anonymous, customer, partner, admin\)/.test(e.message),
    );
  });

  it("refuses a route that is not a field coordinate", () => {
    assert.throws(() => validateConfig({ limits: { routes: { payOrder: { max: 1, windowMs: 1000 } } } }, {}), /limits\.routes/);
  });

  it("moves the counters to Redis when REDIS_URL is set and limits are on", () => {
    const limits = validateConfig({ limits: {} }, { REDIS_URL: "redis://127.0.0.1:6390" }).limits!;
    assert.equal(limits.store.redis?.url, "redis://127.0.0.1:6390");
    assert.equal(limits.store.redis?.commandTimeoutMs, 250);
    assert.equal(validateConfig({}, { REDIS_URL: "redis://x" }).limits, undefined, "REDIS_URL alone turns nothing on");
  });
});
