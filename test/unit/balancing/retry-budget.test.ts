import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RetryBudget } from "../../../gateway/src/balancing/retry-budget.ts";

function budget(settings: { budgetRatio: number; minPerSecond: number; windowMs: number }) {
  let t = 1_000_000;
  const b = new RetryBudget(settings, () => t);
  return { b, advance: (ms: number) => void (t += ms) };
}

/** Records `requests` requests, then retries until refused; returns how many were allowed. */
function retriesAllowed(b: RetryBudget, requests: number): number {
  for (let i = 0; i < requests; i++) b.recordRequest();
  let allowed = 0;
  while (b.tryRetry()) allowed++;
  return allowed;
}

describe("retry budget", () => {
  const cases = [
    { name: "allows 10% of 1,000 requests when there is no minimum", settings: { budgetRatio: 0.1, minPerSecond: 0, windowMs: 10_000 }, requests: 1_000, allowed: 100 },
    { name: "adds the per-second minimum over the window to the ratio", settings: { budgetRatio: 0.1, minPerSecond: 5, windowMs: 10_000 }, requests: 1_000, allowed: 150 },
    { name: "allows only the minimum when there is no traffic", settings: { budgetRatio: 0.1, minPerSecond: 2, windowMs: 5_000 }, requests: 0, allowed: 10 },
    { name: "allows nothing with a zero ratio and no minimum", settings: { budgetRatio: 0, minPerSecond: 0, windowMs: 10_000 }, requests: 500, allowed: 0 },
    { name: "rounds a fractional allowance down", settings: { budgetRatio: 0.1, minPerSecond: 0, windowMs: 10_000 }, requests: 19, allowed: 1 },
    { name: "lets 20% of 300 requests be retried at ratio 0.2", settings: { budgetRatio: 0.2, minPerSecond: 0, windowMs: 1_000 }, requests: 300, allowed: 60 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(retriesAllowed(budget(c.settings).b, c.requests), c.allowed);
    });
  }

  it("earns budget back as new requests arrive", () => {
    const { b } = budget({ budgetRatio: 0.1, minPerSecond: 0, windowMs: 10_000 });
    assert.equal(retriesAllowed(b, 100), 10);
    assert.equal(retriesAllowed(b, 50), 5);
  });

  it("forgets requests and retries older than the window", () => {
    const { b, advance } = budget({ budgetRatio: 0.1, minPerSecond: 0, windowMs: 10_000 });
    assert.equal(retriesAllowed(b, 100), 10);
    advance(10_000);
    assert.equal(b.available(), 0, "the old requests no longer earn budget");
    assert.equal(retriesAllowed(b, 30), 3, "the old retries no longer spend it");
  });

  it("keeps requests still inside the sliding window", () => {
    const { b, advance } = budget({ budgetRatio: 0.1, minPerSecond: 0, windowMs: 10_000 });
    for (let i = 0; i < 100; i++) b.recordRequest();
    advance(5_000);
    for (let i = 0; i < 100; i++) b.recordRequest();
    advance(5_500); // the first hundred have left the window
    assert.equal(b.available(), 10);
  });
});
