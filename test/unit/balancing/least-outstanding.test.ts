import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LeastOutstandingBalancer } from "../../../gateway/src/balancing/least-outstanding.ts";
import { seededRandom } from "../../../gateway/src/balancing/random.ts";
import { nameOf, shares, targets } from "./fixtures.ts";

describe("least outstanding requests (power of two random choices)", () => {
  const cases = [
    { name: "spreads an idle cluster evenly", weights: [1, 1, 1], inFlight: [0, 0, 0], expected: { a: 1 / 3, b: 1 / 3, c: 1 / 3 } },
    { name: "spreads an idle cluster by weight", weights: [2, 1, 1], inFlight: [0, 0, 0], expected: { a: 0.5, b: 0.25, c: 0.25 } },
    // The idle instance wins every draw it is part of: 2 of the 3 possible pairs.
    { name: "prefers the idle instance whenever it is one of the two drawn", weights: [1, 1, 1], inFlight: [0, 5, 5], expected: { a: 2 / 3, b: 1 / 6, c: 1 / 6 } },
    { name: "always picks the less loaded of two instances", weights: [1, 1], inFlight: [10, 0], expected: { b: 1 } },
    { name: "compares load per unit of weight", weights: [4, 1], inFlight: [4, 2], expected: { a: 1 } },
  ];
  for (const c of cases) {
    it(`${c.name} (within 3 points over 1,000 picks)`, () => {
      const got = shares(new LeastOutstandingBalancer(targets(c.weights, c.inFlight), seededRandom(42)), 1000);
      assert.deepEqual(Object.keys(got).sort(), Object.keys(c.expected).sort());
      for (const [name, share] of Object.entries(c.expected)) assert.ok(Math.abs(got[name]! - share) <= 0.03, `${name}: ${got[name]} vs ${share}`);
    });
  }

  it("never picks an instance out of rotation, and nothing when none is in rotation", () => {
    const balancer = new LeastOutstandingBalancer(targets([1, 1, 1]), seededRandom(3));
    assert.deepEqual(shares(balancer, 300, (t) => nameOf(t) === "c"), { c: 1 });
    assert.equal(balancer.pick(() => false), undefined);
  });
});
