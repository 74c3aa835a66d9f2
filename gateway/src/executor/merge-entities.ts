/**
 * An entity fetch's answers merged into the entities that asked for them, for the plan's entity
 * fetches (run-plan.ts) and Hive's batches (batch-fetch.ts) alike, through copy on write
 * (shared-objects.ts): the entities are the tree's own, and an answer other requests hold is
 * never written into.
 */
import { deepMerge } from "./merge.ts";
import type { SharedObjects } from "./shared-objects.ts";

/**
 * The entities at a cursor, the tree's own: the elements of a list that is the tree's own are
 * made so by `element`; a list a flatten built holds the tree's own entities already.
 */
export function entitiesAt(data: Record<string, unknown> | unknown[], objects: SharedObjects): Array<Record<string, unknown>> {
  if (!Array.isArray(data)) return [data];
  const entities: Array<Record<string, unknown>> = [];
  for (let i = 0; i < data.length; i++) {
    const entity = objects.element(data, i);
    if (entity !== null && entity !== undefined) entities.push(entity as Record<string, unknown>);
  }
  return entities;
}

/** An answer a rewrite may write into: this request's own copy when other requests hold it. */
export function ownAnswer<T extends object>(answer: T, shared: boolean): T {
  return shared ? structuredClone(answer) : answer;
}

/** Each entity's answer (`received[slot[i]]` for the i-th representation) merged into it. */
export function mergeEntities(
  entities: readonly unknown[],
  owners: readonly number[],
  slot: readonly number[] | undefined,
  received: readonly unknown[],
  rewrite: ((value: unknown) => void) | undefined,
  shared: boolean,
  objects: SharedObjects,
): void {
  for (let i = 0; i < owners.length; i++) {
    let answer = received[slot ? slot[i]! : i] as Record<string, unknown> | null | undefined;
    const entity = entities[owners[i]!] as Record<string, unknown>;
    // The __typename filled in is what the merge would keep on the entity anyway; it matters only to a rewrite.
    if (answer && rewrite) {
      answer = ownAnswer(answer, shared);
      if (!answer.__typename) answer.__typename = entity.__typename;
      rewrite(answer);
      deepMerge(entity, answer, objects, false);
    } else {
      deepMerge(entity, answer, objects, shared);
    }
  }
}
