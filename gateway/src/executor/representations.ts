/**
 * The representation writer of an entity fetch, compiled once per plan from the fetch's
 * `requires` selection: given an entity gathered so far, the object sent to the subgraph in
 * `representations` (or null when the entity lacks a required field or matches no type
 * condition, and is not sent). Semantics are `@apollo/gateway`'s `executeSelectionSet`: a missing
 * field drops the whole (sub)object, inline fragments apply by `__typename`, and their results merge.
 */
import type { QueryPlanSelectionNode } from "@apollo/query-planner";
import type { GraphQLSchema } from "graphql";
import { deepMerge } from "./merge.ts";
import { isInheritedName, ownValue, setOwn } from "./own.ts";
import { typeTest } from "./type-conditions.ts";

export type RepresentationWriter = (source: unknown) => Record<string, unknown> | null;

export function compileRepresentation(schema: GraphQLSchema, selections: readonly QueryPlanSelectionNode[]): RepresentationWriter {
  const steps = selections.flatMap((selection): Step[] => {
    if (selection.kind === "Field") {
      const responseName = selection.alias ?? selection.name;
      // Plans from Hive's planner (hive-plans.ts) may read the value under another key than the one sent.
      const source = (selection as { source?: string }).source ?? responseName;
      const sub = selection.selections ? compileRepresentation(schema, selection.selections) : undefined;
      return [{ kind: "field", responseName, source, inherited: isInheritedName(responseName) || isInheritedName(source), sub }];
    }
    // An inline fragment without a type condition selects nothing here, as in @apollo/gateway.
    if (!selection.typeCondition) return [];
    return [{ kind: "fragment", applies: typeTest(schema, selection.typeCondition), sub: compileRepresentation(schema, selection.selections) }];
  });
  return (source) => write(steps, source);
}

type Step =
  | { readonly kind: "field"; readonly responseName: string; readonly source: string; readonly inherited: boolean; readonly sub: RepresentationWriter | undefined }
  | { readonly kind: "fragment"; readonly applies: (typename: unknown) => boolean; readonly sub: RepresentationWriter };

function write(steps: readonly Step[], source: unknown): Record<string, unknown> | null {
  if (source === null || source === undefined) return null;
  const from = source as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const step of steps) {
    if (step.kind === "field") {
      const value = step.inherited ? ownValue(from, step.source) : from[step.source];
      if (value === undefined) return null;
      let out: unknown;
      if (Array.isArray(value)) out = step.sub ? value.map(step.sub) : value;
      else out = step.sub ? step.sub(value) : value;
      if (step.inherited) setOwn(result, step.responseName, out);
      else result[step.responseName] = out;
    } else if (step.applies(from.__typename)) {
      deepMerge(result, step.sub(from));
    }
  }
  return result;
}

/**
 * For the usual requirement, one type condition over scalar fields (`... on Product { __typename upc }`),
 * the slot of the representation an entity would get, found from values read straight from the
 * entity: equal values, equal representations. Lets an entity fetch find repeated entities
 * without writing and serializing each one's representation, and without building a key string
 * per entity (760 of them in the benchmark's deep query): one map level per required field, keyed
 * by the value itself (Map keys keep "1" and 1 apart). Undefined when the requirement is not of
 * that shape.
 */
export interface RepresentationKey {
  /** The slot of `entity`'s representation in `index`, assigning `next` when new; null when the entity gets none (the writer would return no `__typename`). */
  slotOf(index: RepresentationIndex, entity: unknown, next: number): number | null;
}

/** Per fetch: map levels from required values to slots. A JSON object or array value (a custom scalar) is keyed by its JSON text, in its own map so it cannot meet an equal string. */
export type RepresentationIndex = Map<unknown, unknown>;

const JSON_VALUES = Symbol("json values");

export function compileRepresentationKey(schema: GraphQLSchema, selections: readonly QueryPlanSelectionNode[]): RepresentationKey | undefined {
  if (selections.length !== 1) return undefined;
  const fragment = selections[0]!;
  if (fragment.kind !== "InlineFragment" || !fragment.typeCondition) return undefined;
  const fields: string[] = [];
  for (const field of fragment.selections) {
    if (field.kind !== "Field" || field.selections || field.alias || (field as { source?: string }).source !== undefined) return undefined;
    fields.push(field.name);
  }
  if (!fields.includes("__typename")) return undefined;
  const applies = typeTest(schema, fragment.typeCondition);
  const last = fields.length - 1;
  return {
    slotOf(index, entity, next) {
      if (entity === null || typeof entity !== "object") return null;
      const from = entity as Record<string, unknown>;
      if (!applies(from.__typename)) return null;
      let level = index;
      for (let i = 0; i <= last; i++) {
        const name = fields[i]!;
        const value = ownValue(from, name);
        if (value === undefined) return null;
        if (name === "__typename" && !value) return null;
        let map = level;
        let key: unknown = value;
        if (value !== null && typeof value === "object") {
          map = level.get(JSON_VALUES) as RepresentationIndex | undefined ?? (new Map() as RepresentationIndex);
          if (map.size === 0) level.set(JSON_VALUES, map);
          key = JSON.stringify(value);
        }
        const found = map.get(key);
        if (i === last) {
          if (found !== undefined) return found as number;
          map.set(key, next);
          return next;
        }
        if (found !== undefined) level = found as RepresentationIndex;
        else {
          level = new Map();
          map.set(key, level);
        }
      }
      return null;
    },
  };
}
