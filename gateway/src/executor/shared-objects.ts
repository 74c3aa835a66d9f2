/**
 * Per gathered data tree: which of its objects other requests hold too, so that the plan's
 * merges write into this tree's own copies and never into them (copy on write).
 *
 * Why: requests that share one in-flight subgraph fetch (subgraph/dedup-layer.ts) are handed one
 * parsed answer. The executor builds each request's data by merging answers into each other, in
 * place; before this, every request but one parsed its own copy of the answer's text (6% of the
 * gateway's CPU on the deep benchmark query). Now they all keep the one answer, and an object of
 * it is copied (shallowly) only where a merge is about to write into it: the entities a flatten
 * path reaches, and objects a later answer merges into.
 *
 * The invariant: an object reachable from the tree's root is the tree's own unless it is in
 * `held` or below one that is. The root is the tree's own; a shared answer's value placed into
 * the tree is `adopt`ed; copying a held object gives the tree an own object whose object
 * children are adopted in turn. So a walk from the root that copies every held object it steps
 * into (`child`, `element`) ends on objects it may write into.
 */
import { ownValue, setOwn } from "./own.ts";

export class SharedObjects {
  private readonly held = new Set<object>();

  /** A value of a shared answer, now referenced from the tree (objects and lists only count). */
  adopt(value: unknown): void {
    if (typeof value === "object" && value !== null) this.held.add(value);
  }

  /** `parent[key]`, safe to write into: a held object there is replaced by the tree's own copy. `parent` must be the tree's own. */
  child(parent: object, key: string): unknown {
    const value = ownValue(parent, key);
    if (!this.isHeld(value)) return value;
    const copy = this.copy(value);
    setOwn(parent as Record<string, unknown>, key, copy);
    return copy;
  }

  /** `list[index]`, safe to write into, as `child`. `list` must be the tree's own. */
  element(list: unknown[], index: number): unknown {
    const value = list[index];
    if (!this.isHeld(value)) return value;
    const copy = this.copy(value);
    list[index] = copy;
    return copy;
  }

  private isHeld(value: unknown): value is object {
    return this.held.size !== 0 && typeof value === "object" && value !== null && this.held.has(value);
  }

  private copy(value: object): object {
    if (Array.isArray(value)) {
      const copy = value.slice();
      for (let i = 0; i < copy.length; i++) this.adopt(copy[i]);
      return copy;
    }
    // A spread defines own properties, `__proto__` included, as JSON.parse does.
    const copy: Record<string, unknown> = { ...value };
    for (const key in copy) this.adopt(copy[key]);
    return copy;
  }
}
