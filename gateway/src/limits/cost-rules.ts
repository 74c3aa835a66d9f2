/**
 * The cost rules shared by the estimate (before planning) and the actual cost (after
 * execution), so the two can only differ in list sizes:
 *
 * - a field costs its `@cost(weight:)`, else its type's `@cost`, else the default: 1 for an
 *   object, interface or union, 0 for a scalar or enum; a root mutation field without `@cost`
 *   costs `mutationWeight`;
 * - the field's selection is added to that weight, and the sum is multiplied by the list size
 *   (once per list level);
 * - each argument the request provides adds its `@cost` weight, and each provided input-object
 *   field its own, once per field (not multiplied by the list);
 * - introspection (`__typename`, `__schema`, `__type`) is free.
 */
import {
  getArgumentValues,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isCompositeType,
  type FieldNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from "graphql";
import type { CostDirectives } from "./cost-directives.ts";

/** Defaults for what the schema does not say. */
export interface CostOptions {
  /** Size assumed for a list field with no `@listSize` and no slicing argument given. */
  readonly defaultListSize: number;
  /** Weight of a root mutation field that has no `@cost`. */
  readonly mutationWeight: number;
}

export const defaultCostOptions: CostOptions = Object.freeze({ defaultListSize: 10, mutationWeight: 10 });

/** True for `__typename` and the introspection root fields. */
export const isIntrospectionField = (name: string): boolean => name.startsWith("__");

/** The weight of one resolved value of this field, before its selection and list size. */
export function fieldWeight(
  directives: CostDirectives,
  parentType: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
  isMutationRoot: boolean,
  options: CostOptions,
): number {
  const own = directives.fieldWeight(parentType.name, field.name);
  if (own !== undefined) return own;
  if (isMutationRoot) return options.mutationWeight;
  const named = getNamedType(field.type);
  return directives.typeWeight(named.name) ?? (isCompositeType(named) ? 1 : 0);
}

/** Coerced argument values (defaults applied); empty when they do not coerce (execution will reject them). */
export function argumentValues(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, variables as Record<string, unknown>);
  } catch {
    return {};
  }
}

/** The `@cost` of the arguments (and input-object fields) the request provided explicitly. */
export function argumentsCost(
  directives: CostDirectives,
  parentType: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  values: Readonly<Record<string, unknown>>,
): number {
  let total = 0;
  for (const given of node.arguments ?? []) {
    const arg = field.args.find((a) => a.name === given.name.value);
    if (!arg) continue;
    total += directives.argumentWeight(parentType.name, field.name, arg.name) ?? 0;
    total += inputCost(directives, arg.type, values[arg.name]);
  }
  return total;
}

function inputCost(directives: CostDirectives, type: GraphQLInputType, value: unknown): number {
  if (value === null || value === undefined) return 0;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    return Array.isArray(value) ? value.reduce<number>((sum, v) => sum + inputCost(directives, inner.ofType, v), 0) : inputCost(directives, inner.ofType, value);
  }
  if (!isInputObjectType(inner) || typeof value !== "object") return 0;
  let total = 0;
  for (const [name, fieldValue] of Object.entries(value as Record<string, unknown>)) {
    const inputField = inner.getFields()[name];
    if (!inputField || fieldValue === undefined) continue;
    total += (directives.inputFieldWeight(inner.name, name) ?? 0) + inputCost(directives, inputField.type, fieldValue);
  }
  return total;
}

/** How many list levels wrap a field's type (`[[X]!]` is 2). */
export function listDepth(type: unknown): number {
  let depth = 0;
  let current = type as { ofType?: unknown };
  while (current && "ofType" in current && current.ofType !== undefined) {
    if (isListType(current)) depth++;
    current = current.ofType as { ofType?: unknown };
  }
  return depth;
}
