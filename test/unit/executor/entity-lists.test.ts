import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EntityLists } from "../../../gateway/src/executor/entity-lists.ts";
import { flatten } from "../../../gateway/src/executor/flatten-path.ts";
import { deepMerge } from "../../../gateway/src/executor/merge.ts";
import { SharedObjects } from "../../../gateway/src/executor/shared-objects.ts";
import { answer, answerPaths as paths, random } from "./random-answers.ts";

/** Nothing in these trees is held by another request. */
const unshared = new SharedObjects();

describe("entity lists extended from the flatten they build on", () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`reaches what a walk from the root reaches, after any sequence of merges (seed ${seed})`, () => {
      const next = random(seed);
      const root: Record<string, unknown> = {};
      deepMerge(root, { users: Array.from({ length: 3 }, () => answer(next, 1)) });
      const lists = new EntityLists();
      for (let step = 0; step < 60; step++) {
        const path = paths[Math.floor(next() * paths.length)]!;
        const reached = lists.reach(root, path, unshared);
        assert.deepEqual(reached, flatten(root, path, 0, unshared), `step ${step}: ${path.join(".")}`);
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
    assert.deepEqual(lists.reach(root, path, unshared), [{ upc: "1" }]);
    lists.merged([]);
    root.users = [{ reviews: [{ product: { upc: "2" } }] }];
    assert.deepEqual(lists.reach(root, path, unshared), [{ upc: "2" }]);
  });
});
