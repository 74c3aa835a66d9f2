/**
 * Per request: the entity lists the plan's flatten paths have reached, so a path that extends one
 * already walked starts from that list instead of from the root (the deep benchmark query walks
 * `users.@.reviews.@.product` three times, then five longer paths through it).
 *
 * Why a list stays valid: a merge at path P changes only objects at P and below, in place. The
 * objects a path reaches can therefore change only through a merge at a proper prefix of it; the
 * objects at P itself are the same objects, merged into. So every merge drops the lists of the
 * paths that strictly extend its path, and the rest are what a walk from the root would reach.
 * Repeated entities share answer objects only at the same path (one answer merged into each of
 * them), so no object is reachable by two unrelated paths. A list whose last step spread a list
 * into it is not kept: extending it would step into elements where the root walk steps into lists.
 * Copies made on a walk (shared-objects.ts) keep this: only objects other requests hold are
 * replaced, and a kept list holds none (a walk ends on the tree's own objects).
 */
import { extendPlain, flatten, isPlain, reachPlain, Reached } from "./flatten-path.ts";
import type { SharedObjects } from "./shared-objects.ts";
import type { ResponsePath } from "./subgraph-errors.ts";

interface PathKeys {
  /** The path's key, then each proper prefix that contains an `@`, longest first, with the index the rest starts at. */
  readonly prefixes: ReadonlyArray<{ readonly key: string; readonly rest: number }>;
  readonly key: string;
}

const keysOf = new WeakMap<ResponsePath, PathKeys>();
const plainKeys = new WeakMap<ResponsePath, string>();

function keyOf(path: ResponsePath): string {
  let key = plainKeys.get(path);
  if (key === undefined) {
    key = path.join("/");
    plainKeys.set(path, key);
  }
  return key;
}

function keys(path: ResponsePath): PathKeys {
  let found = keysOf.get(path);
  if (found === undefined) {
    const prefixes: Array<{ key: string; rest: number }> = [];
    const firstList = path.indexOf("@");
    for (let end = path.length - 1; firstList >= 0 && end > firstList; end--) prefixes.push({ key: path.slice(0, end).join("/"), rest: end });
    found = { key: keyOf(path), prefixes };
    keysOf.set(path, found);
  }
  return found;
}

export class EntityLists {
  private readonly lists = new Map<string, unknown[]>();

  /** What `flatten(root, path, 0, objects)` returns, extended from the longest list already reached when there is one. */
  reach(root: unknown, path: ResponsePath, objects: SharedObjects): unknown {
    if (!isPlain(path) || !path.includes("@")) return flatten(root, path, 0, objects);
    const { key, prefixes } = keys(path);
    const known = this.lists.get(key);
    if (known) return known;
    for (const prefix of prefixes) {
      const base = this.lists.get(prefix.key);
      if (base) return this.keep(key, extendPlain(base, path, prefix.rest, objects));
    }
    const reached = reachPlain(root, path, objects);
    return reached instanceof Reached ? this.keep(key, reached) : reached;
  }

  /** A merge at `path` (where an entity fetch's answers went): the lists of longer paths through it may have changed. */
  merged(path: ResponsePath): void {
    if (this.lists.size === 0) return;
    if (path.length === 0 || !isPlain(path)) return this.lists.clear();
    const under = `${keyOf(path)}/`;
    for (const key of this.lists.keys()) if (key.startsWith(under)) this.lists.delete(key);
  }

  /** Any merge whose paths are not tracked (several lists at once, Hive's batches). */
  clear(): void {
    this.lists.clear();
  }

  private keep(key: string, reached: Reached): unknown[] {
    if (!reached.spread) this.lists.set(key, reached.list);
    return reached.list;
  }
}
