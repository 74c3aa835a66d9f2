import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EntityLists } from "../../../gateway/src/executor/entity-lists.ts";
import { flatten } from "../../../gateway/src/executor/flatten-path.ts";
import { deepMerge } from "../../../gateway/src/executor/merge.ts";
import { SharedObjects } from "../../../gateway/src/executor/shared-objects.ts";
import { deepFreeze } from "../../helpers/differential.ts";
import { answer as anyAnswer, answerPaths as paths, random } from "./random-answers.ts";

/** Tags are objects here: a later merge at `...product.tags` writes into them. */
const answer = (next: () => number, depth: number) => anyAnswer(next, depth, (t) => ({ t }));

/**
 * One request's data, gathered twice in lockstep: with shared answers frozen and merged copy on
 * write, and (the reference) with every answer a private deep copy, merged in place as before.
 */
class Lockstep {
  readonly objects = new SharedObjects();
  readonly lists = new EntityLists();
  readonly data: Record<string, unknown> = {};
  readonly reference: Record<string, unknown> = {};
  readonly referenceLists = new EntityLists();
  private readonly unshared = new SharedObjects();

  merge(into: { own: unknown; reference: unknown }, value: Record<string, unknown>, shared: boolean): void {
    deepMerge(into.own as Record<string, unknown>, shared ? value : structuredClone(value), this.objects, shared);
    deepMerge(into.reference as Record<string, unknown>, structuredClone(value));
  }

  reach(path: readonly string[]): { own: unknown; reference: unknown } {
    const own = this.lists.reach(this.data, path, this.objects);
    const reference = this.referenceLists.reach(this.reference, path, this.unshared);
    assert.deepEqual(own, reference, `reached at ${path.join(".")}`);
    assert.deepEqual(own, flatten(this.data, path, 0, this.objects), `the kept list is what a walk from the root reaches at ${path.join(".")}`);
    return { own, reference };
  }

  merged(path: readonly string[]): void {
    this.lists.merged(path);
    this.referenceLists.merged(path);
  }
}

describe("copy on write of the answers requests share", () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    it(`gathers what private copies would, and never writes into a shared answer (seed ${seed})`, () => {
      const next = random(seed);
      const root = deepFreeze({ users: Array.from({ length: 3 }, () => answer(next, 1)) });
      // Two requests holding the same root answer, each then merging its own sequence of answers, some shared between them.
      const requests = [new Lockstep(), new Lockstep()];
      for (const request of requests) request.merge({ own: request.data, reference: request.reference }, root, true);
      const sharedAnswers: Array<Record<string, unknown>> = [];
      for (let step = 0; step < 80; step++) {
        const request = requests[step % 2]!;
        const path = paths[Math.floor(next() * paths.length)]!;
        const reached = request.reach(path);
        if (next() < 0.5 || !Array.isArray(reached.own)) continue;
        request.merged(path);
        const own = reached.own as unknown[];
        const reference = reached.reference as unknown[];
        for (let i = 0; i < own.length; i++) {
          const entity = own[i];
          if (!entity || typeof entity !== "object" || Array.isArray(entity)) continue;
          const roll = next();
          // An answer another request already merged, one repeated for several entities, or a fresh one (shared or not).
          const value = roll < 0.2 && sharedAnswers.length > 0 ? sharedAnswers[Math.floor(next() * sharedAnswers.length)]! : answer(next, path.length);
          const shared = roll < 0.2 || next() < 0.6;
          if (shared && !Object.isFrozen(value)) sharedAnswers.push(deepFreeze(value));
          request.merge({ own: entity, reference: reference[i] }, value, shared);
        }
      }
      for (const request of requests) assert.deepEqual(request.data, request.reference);
    });
  }

  it("copies a shared object's own __proto__ key as an own property, and never touches the prototype", () => {
    const shared = deepFreeze(JSON.parse('{"users":[{"__proto__":{"polluted":true},"id":"1"}]}') as Record<string, unknown>);
    const objects = new SharedObjects();
    const data: Record<string, unknown> = {};
    deepMerge(data, shared, objects, true);
    const [user] = flatten(data, ["users", "@"], 0, objects) as Array<Record<string, unknown>>;
    deepMerge(user!, { name: "Ada" }, objects, false);
    assert.deepEqual(Object.keys(user!), ["__proto__", "id", "name"]);
    assert.deepEqual(Object.getOwnPropertyDescriptor(user, "__proto__")?.value, { polluted: true });
    assert.equal(Object.getPrototypeOf(user), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("counts an object a shared answer places into a list element by element as shared too", () => {
    const objects = new SharedObjects();
    const data: Record<string, unknown> = { user: { reviews: [null, { id: "1" }] } };
    deepMerge(data, deepFreeze({ user: { reviews: [{ id: "2" }, { id: "3" }] } }), objects, true);
    const reviews = flatten(data, ["user", "reviews", "@"], 0, objects) as Array<Record<string, unknown>>;
    for (const review of reviews) deepMerge(review, { body: "ok" }, objects, false);
    assert.deepEqual(data, { user: { reviews: [{ id: "2", body: "ok" }, { id: "3", body: "ok" }] } });
  });

  it("copies nothing in a tree that holds no shared answer", () => {
    const objects = new SharedObjects();
    const answerObject = { users: [{ id: "1" }] };
    const data: Record<string, unknown> = {};
    deepMerge(data, answerObject, objects, false);
    const reached = flatten(data, ["users", "@"], 0, objects) as unknown[];
    assert.equal(reached[0], answerObject.users[0], "the answer's own object is written into in place");
  });
});
