import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EntityLists } from "../../../gateway/src/executor/entity-lists.ts";
import { flatten } from "../../../gateway/src/executor/flatten-path.ts";
import { deepMerge } from "../../../gateway/src/executor/merge.ts";

/** A small deterministic generator (mulberry32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const paths = [
  ["users", "@"],
  ["users", "@", "reviews", "@"],
  ["users", "@", "reviews", "@", "product"],
  ["users", "@", "reviews", "@", "product", "reviews", "@"],
  ["users", "@", "reviews", "@", "product", "reviews", "@", "author"],
  ["users", "@", "reviews", "@", "product", "reviews", "@", "author", "reviews", "@", "product"],
  ["users", "@", "reviews", "@", "product", "tags"],
];

/** What a subgraph might answer for an entity at some depth: new lists, nulls, lists of another length, scalars. */
function answer(next: () => number, depth: number): Record<string, unknown> {
  const pick = next();
  const list = (n: number) => Array.from({ length: n }, () => (next() < 0.15 ? null : answer(next, depth + 1)));
  if (depth > 4) return { name: `n${Math.floor(next() * 5)}` };
  if (pick < 0.3) return { reviews: list(Math.floor(next() * 3)) };
  if (pick < 0.5) return { product: next() < 0.2 ? null : answer(next, depth + 1), tags: next() < 0.5 ? ["a", "b"] : [] };
  if (pick < 0.65) return { author: answer(next, depth + 1) };
  if (pick < 0.75) return { reviews: null };
  return { name: `n${Math.floor(next() * 5)}` };
}

describe("entity lists extended from the flatten they build on", () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`reaches what a walk from the root reaches, after any sequence of merges (seed ${seed})`, () => {
      const next = random(seed);
      const root: Record<string, unknown> = {};
      deepMerge(root, { users: Array.from({ length: 3 }, () => answer(next, 1)) });
      const lists = new EntityLists();
      for (let step = 0; step < 60; step++) {
        const path = paths[Math.floor(next() * paths.length)]!;
        const reached = lists.reach(root, path);
        assert.deepEqual(reached, flatten(root, path, 0), `step ${step}: ${path.join(".")}`);
        if (next() < 0.5 && Array.isArray(reached)) {
          // A fetch at this path: one answer per entity, sometimes one answer shared by repeated entities.
          const shared = answer(next, path.length);
          lists.merged(path);
          for (const entity of reached) if (entity && typeof entity === "object" && !Array.isArray(entity)) deepMerge(entity as Record<string, unknown>, next() < 0.3 ? shared : answer(next, path.length));
        }
      }
    });
  }

  it("walks from the root again after a merge at the root", () => {
    const root: Record<string, unknown> = { users: [{ reviews: [{ product: { upc: "1" } }] }] };
    const lists = new EntityLists();
    const path = ["users", "@", "reviews", "@", "product"];
    assert.deepEqual(lists.reach(root, path), [{ upc: "1" }]);
    lists.merged([]);
    root.users = [{ reviews: [{ product: { upc: "2" } }] }];
    assert.deepEqual(lists.reach(root, path), [{ upc: "2" }]);
  });
});
