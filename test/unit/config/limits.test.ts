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
