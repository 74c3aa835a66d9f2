/**
 * The estimated cost of an operation, computed before planning from the schema and the
 * supergraph's `@cost`/`@listSize` (rules in cost-rules.ts). A list's size is, in order:
 *
 * 1. the size its parent's `@listSize(sizedFields:)` gives it (connections: `edges`);
 * 2. the largest slicing argument the request gives (`first: 50`), argument defaults included;
 * 3. `@listSize(assumedSize:)`;
 * 4. `defaultListSize`.
 *
 * Fragments on an abstract type are costed per possible type and the most expensive counts.
 * The walk also counts each field coordinate's occurrences (aliases included, list sizes not),
 * which the per-route limits use.
 */
import {
  getNamedType,
  isCompositeType,
  isObjectType,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { collectContext, collectFields, subSelections, type CollectContext } from "../supergraph/collect-fields.ts";
import type { CostDirectives, ListSizeDirective } from "./cost-directives.ts";
import { argumentsCost, argumentValues, fieldWeight, isIntrospectionField, listDepth, type CostOptions } from "./cost-rules.ts";

export interface CostInput {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** Coerced variable values (defaults applied). */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly directives: CostDirectives;
  readonly options: CostOptions;
}

export interface CostEstimate {
  readonly cost: number;
  /** `Type.field` → how many times the operation selects it. */
  readonly fieldCounts: ReadonlyMap<string, number>;
}

/** The size a parent's `@listSize(sizedFields:)` hands down to the named child fields. */
interface SizedChildren {
  readonly size: number;
  readonly fields: readonly string[];
}

export function estimateCost(input: CostInput): CostEstimate {
  const root = input.schema.getRootType(input.operation.operation);
  if (!root) return { cost: 0, fieldCounts: new Map() };
  const walker = new Estimator(input, collectContext(input.schema, input.document, input.variables));
  const { cost, counts } = walker.selection(root, [input.operation.selectionSet], undefined, input.operation.operation === "mutation");
  return { cost, fieldCounts: counts };
}

/** The size of a list field per `@listSize` and the request's arguments (steps 2-4 above). */
export function listSizeOf(directive: ListSizeDirective | undefined, args: Readonly<Record<string, unknown>>, defaultSize: number): number {
  if (directive && directive.slicingArguments.length > 0) {
    const given = directive.slicingArguments.map((name) => args[name]).filter((v): v is number => typeof v === "number");
    if (given.length > 0) return Math.max(0, ...given);
  }
  return directive?.assumedSize ?? defaultSize;
}

class Estimator {
  constructor(
    private readonly input: CostInput,
    private readonly context: CollectContext,
  ) {}

  selection(type: GraphQLCompositeType, sets: readonly SelectionSetNode[], sized: SizedChildren | undefined, isMutationRoot = false): { cost: number; counts: Map<string, number> } {
    const runtimeTypes: readonly GraphQLObjectType[] = isObjectType(type) ? [type] : this.input.schema.getPossibleTypes(type);
    let best = { cost: 0, counts: new Map<string, number>() };
    const mergedCounts = new Map<string, number>();
    for (const runtime of runtimeTypes) {
      const branch = this.object(runtime, sets, sized, isMutationRoot);
      if (branch.cost > best.cost) best = branch;
      // A coordinate counts as often as the branch that selects it most.
      for (const [k, n] of branch.counts) mergedCounts.set(k, Math.max(mergedCounts.get(k) ?? 0, n));
    }
    return { cost: best.cost, counts: mergedCounts };
  }

  private object(type: GraphQLObjectType, sets: readonly SelectionSetNode[], sized: SizedChildren | undefined, isMutationRoot: boolean) {
    const { directives, options } = this.input;
    const counts = new Map<string, number>();
    let cost = 0;
    for (const nodes of collectFields(this.context, type, sets).values()) {
      const node = nodes[0]!;
      const name = node.name.value;
      if (isIntrospectionField(name)) continue;
      const field = type.getFields()[name];
      if (!field) continue;
      const coordinate = `${type.name}.${name}`;
      counts.set(coordinate, (counts.get(coordinate) ?? 0) + 1);

      const args = argumentValues(field, node, this.input.variables);
      const listSize = directives.listSize(type.name, name);
      const depth = listDepth(field.type);
      const size = sized?.fields.includes(name) ? sized.size : listSizeOf(listSize, args, options.defaultListSize);
      const multiplier = depth === 0 ? 1 : size ** depth;

      const named = getNamedType(field.type);
      let childCost = 0;
      if (isCompositeType(named)) {
        const childSized = listSize && listSize.sizedFields.length > 0 ? { size: listSizeOf(listSize, args, options.defaultListSize), fields: listSize.sizedFields } : undefined;
        const child = this.selection(named, subSelections(nodes), childSized);
        childCost = child.cost;
        for (const [k, n] of child.counts) counts.set(k, (counts.get(k) ?? 0) + n);
      }
      const weight = fieldWeight(directives, type, field, isMutationRoot, options);
      cost += multiplier * (weight + childCost) + argumentsCost(directives, type, field, node, args);
    }
    return { cost, counts };
  }
}

