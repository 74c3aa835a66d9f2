import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { WeightedRoundRobinBalancer } from "../../../gateway/src/balancing/weighted-round-robin.ts";
import { everyTarget, nameOf, shares, targets } from "./fixtures.ts";

function sequence(weights: number[], n: number, eligible: (t: { url: string }) => boolean = everyTarget): string {
  const balancer = new WeightedRoundRobinBalancer(targets(weights));
  return Array.from({ length: n }, () => nameOf(balancer.pick(eligible)!)).join("");
}

describe("smooth weighted round-robin", () => {
  const sequences = [
    // nginx's own example (ngx_http_upstream_round_robin.c): weights 5,1,1 give a a b a c a a.
    { weights: [5, 1, 1], expected: "aabacaa" },
    { weights: [2, 1], expected: "aba" },
    { weights: [1, 1, 1], expected: "abc" },
    { weights: [3, 2], expected: "ababa" },
    { weights: [4, 2, 1], expected: "abacaba" },
  ];
  for (const c of sequences) {
    it(`spreads weights ${c.weights.join(",")} as ${c.expected.split("").join(" ")}, repeating`, () => {
      assert.equal(sequence(c.weights, c.expected.length * 3), c.expected.repeat(3));
    });
  }

  it("never sends the light instances back to back for weights 5,1,1 (a naive weighted rotation sends a×5 then b c)", () => {
    const picks = sequence([5, 1, 1], 700);
    assert.doesNotMatch(picks, /[bc][bc]/);
    assert.doesNotMatch(picks, /a{5}/);
  });

  const distributions = [
    { weights: [2, 1, 1], n: 1000, expected: { a: 0.5, b: 0.25, c: 0.25 } },
    { weights: [5, 1, 1], n: 1001, expected: { a: 5 / 7, b: 1 / 7, c: 1 / 7 } },
    { weights: [1, 2, 3, 4], n: 1000, expected: { a: 0.1, b: 0.2, c: 0.3, d: 0.4 } },
  ];
  for (const c of distributions) {
    it(`gives weights ${c.weights.join(",")} exactly their shares over ${c.n} picks`, () => {
      const got = shares(new WeightedRoundRobinBalancer(targets(c.weights)), c.n);
      for (const [name, share] of Object.entries(c.expected)) assert.ok(Math.abs(got[name]! - share) < 1e-9, `${name}: ${got[name]} vs ${share}`);
    });
  }

  it("shares the traffic by weight among the instances still in rotation", () => {
    const got = shares(new WeightedRoundRobinBalancer(targets([2, 1, 1])), 1000, (t) => nameOf(t) !== "a");
    assert.deepEqual(got, { b: 0.5, c: 0.5 });
  });

  it("picks nothing when every instance is out of rotation", () => {
    assert.equal(new WeightedRoundRobinBalancer(targets([1, 2])).pick(() => false), undefined);
  });
});
