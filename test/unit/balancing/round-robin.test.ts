import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RoundRobinBalancer } from "../../../gateway/src/balancing/round-robin.ts";
import { seededRandom } from "../../../gateway/src/balancing/random.ts";
import { everyTarget, nameOf, shares, targets } from "./fixtures.ts";

describe("round-robin", () => {
  const cases: Array<{ name: string; weights: number[]; skip: string[]; expected: Record<string, number> }> = [
    { name: "splits 999 picks exactly evenly over three instances, ignoring weights", weights: [1, 1, 3], skip: [], expected: { a: 1 / 3, b: 1 / 3, c: 1 / 3 } },
    { name: "splits the picks evenly over the instances still in rotation", weights: [1, 1, 1], skip: ["b"], expected: { a: 0.5, c: 0.5 } },
    { name: "gives every pick to the only instance in rotation", weights: [1, 1, 1], skip: ["a", "c"], expected: { b: 1 } },
    { name: "picks nothing when every instance is out of rotation", weights: [1, 1], skip: ["a", "b"], expected: { none: 1 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const balancer = new RoundRobinBalancer(targets(c.weights), seededRandom(1));
      const got = shares(balancer, c.skip.length === 1 ? 1000 : 999, (t) => !c.skip.includes(nameOf(t)));
      assert.deepEqual(got, c.expected);
    });
  }

  it("visits every instance once in each cycle", () => {
    const balancer = new RoundRobinBalancer(targets([1, 1, 1, 1]), seededRandom(7));
    for (let cycle = 0; cycle < 25; cycle++) {
      const seen = new Set(Array.from({ length: 4 }, () => nameOf(balancer.pick(everyTarget)!)));
      assert.equal(seen.size, 4);
    }
  });

  it("starts at a position drawn from the random source so gateways do not all hit one instance first", () => {
    const firsts = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => nameOf(new RoundRobinBalancer(targets([1, 1, 1]), seededRandom(seed)).pick(everyTarget)!)));
    assert.ok(firsts.size > 1);
  });
});
