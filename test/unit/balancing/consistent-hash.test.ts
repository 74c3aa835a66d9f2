import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConsistentHashBalancer } from "../../../gateway/src/balancing/consistent-hash.ts";
import { seededRandom } from "../../../gateway/src/balancing/random.ts";
import { everyTarget, nameOf, shares, targets, type Target } from "./fixtures.ts";

const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

function owners(ts: Target[], eligible: (t: Target) => boolean = everyTarget): string[] {
  const ring = new ConsistentHashBalancer(ts, seededRandom(1));
  return keys.map((k) => nameOf(ring.pick(eligible, k)!));
}

function movedShare(before: string[], after: string[]): number {
  return before.filter((owner, i) => owner !== after[i]).length / before.length;
}

describe("consistent hashing (ring of virtual nodes)", () => {
  it("sends a key to the same instance every time, and from a ring rebuilt with the same instances", () => {
    const ring = new ConsistentHashBalancer(targets([1, 1, 1]), seededRandom(1));
    const again = new ConsistentHashBalancer(targets([1, 1, 1]), seededRandom(99));
    for (const key of keys.slice(0, 200)) {
      const first = ring.pick(everyTarget, key);
      for (let i = 0; i < 5; i++) assert.equal(ring.pick(everyTarget, key), first);
      assert.equal(nameOf(again.pick(everyTarget, key)!), nameOf(first!));
    }
  });

  const distributions = [
    { weights: [1, 1, 1, 1], expected: { a: 0.25, b: 0.25, c: 0.25, d: 0.25 } },
    { weights: [2, 1, 1], expected: { a: 0.5, b: 0.25, c: 0.25 } },
  ];
  for (const c of distributions) {
    it(`spreads 10,000 keys by weights ${c.weights.join(",")} within 4 points`, () => {
      const got = shares(new ConsistentHashBalancer(targets(c.weights), seededRandom(1)), keys.length, everyTarget, (i) => keys[i]!);
      for (const [name, share] of Object.entries(c.expected)) assert.ok(Math.abs(got[name]! - share) <= 0.04, `${name}: ${got[name]} vs ${share}`);
    });
  }

  const resizes = [
    { from: 2, to: 3 },
    { from: 3, to: 4 },
    { from: 4, to: 5 },
    { from: 9, to: 10 },
  ];
  for (const { from, to } of resizes) {
    it(`moves about 1/${to} of the keys, all to the new instance, when one is added to ${from}`, () => {
      const before = owners(targets(Array(from).fill(1)));
      const after = owners(targets(Array(to).fill(1)));
      const moved = movedShare(before, after);
      assert.ok(Math.abs(moved - 1 / to) <= 0.05, `moved ${moved} vs ${1 / to}`);
      const newcomer = String.fromCharCode(97 + from);
      before.forEach((owner, i) => assert.ok(after[i] === owner || after[i] === newcomer));
    });
  }

  it("moves only the keys of an instance taken out of rotation, and gives them back when it returns", () => {
    const ts = targets([1, 1, 1, 1]);
    const all = owners(ts);
    const withoutB = owners(ts, (t) => nameOf(t) !== "b");
    all.forEach((owner, i) => {
      if (owner === "b") assert.notEqual(withoutB[i], "b");
      else assert.equal(withoutB[i], owner);
    });
    assert.ok(Math.abs(movedShare(all, withoutB) - 0.25) <= 0.05);
    assert.deepEqual(owners(ts), all);
  });

  it("spreads requests without a key at random over the instances in rotation", () => {
    const got = shares(new ConsistentHashBalancer(targets([1, 1]), seededRandom(5)), 1000);
    assert.ok(Math.abs(got.a! - 0.5) <= 0.05);
  });

  it("picks nothing when every instance is out of rotation", () => {
    assert.equal(new ConsistentHashBalancer(targets([1, 1]), seededRandom(1)).pick(() => false, "k"), undefined);
  });
});
