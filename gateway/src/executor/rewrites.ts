/**
 * The plan's data rewrites (`inputRewrites` on representations, `outputRewrites` on answers),
 * compiled once per fetch. The planner emits them for `@interfaceObject` (the `__typename` a
 * subgraph must see) and for aliased keys; semantics are `@apollo/gateway`'s `applyRewrites`.
 */
import type { FetchDataRewrite } from "@apollo/query-planner";
import type { GraphQLSchema } from "graphql";
import { ownValue, setOwn } from "./own.ts";
import { typeTest, type TypeTest } from "./type-conditions.ts";

export type Rewrite = (value: unknown) => void;

const FRAGMENT_PREFIX = "... on ";

export function compileRewrites(schema: GraphQLSchema, rewrites: readonly FetchDataRewrite[] | undefined): Rewrite | undefined {
  if (!rewrites || rewrites.length === 0) return undefined;
  const compiled = rewrites.flatMap((rewrite) => {
    if (rewrite.path.length === 0) return [];
    const last = rewrite.path[rewrite.path.length - 1]!;
    if (last.startsWith(FRAGMENT_PREFIX)) throw new Error(`Unexpected fragment as last element of ${rewrite.path}`);
    const steps: Array<{ field: string } | { test: TypeTest }> = rewrite.path
      .slice(0, -1)
      .map((element) => (element.startsWith(FRAGMENT_PREFIX) ? { test: typeTest(schema, element.slice(FRAGMENT_PREFIX.length), true) } : { field: element }));
    const apply =
      rewrite.kind === "ValueSetter"
        ? (object: Record<string, unknown>) => setOwn(object, last, rewrite.setValueTo)
        : (object: Record<string, unknown>) => {
            const value = ownValue(object, last);
            if (value) {
              setOwn(object, rewrite.renameKeyTo, value);
              object[last] = undefined;
            }
          };
    return [(value: unknown) => applyAt(steps, 0, value, apply)];
  });
  return (value) => {
    for (const rewrite of compiled) rewrite(value);
  };
}

function applyAt(steps: ReadonlyArray<{ field: string } | { test: TypeTest }>, index: number, value: unknown, apply: (object: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const element of value) applyAt(steps, index, element, apply);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const object = value as Record<string, unknown>;
  if (index === steps.length) {
    apply(object);
    return;
  }
  const step = steps[index]!;
  if ("field" in step) applyAt(steps, index + 1, ownValue(object, step.field), apply);
  else if (step.test(object.__typename)) applyAt(steps, index + 1, object, apply);
}
