/**
 * The actual cost of an executed operation: the same rules as the estimate (cost-rules.ts),
 * walked over the response data, so every list counts its real length. A field missing from
 * the data (not executed, or lost to an error) or null costs only its arguments. The
 * consumer is charged this, not the estimate.
 */
import {
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type FieldNode,
  type SelectionSetNode,
} from "graphql";
import { collectContext, collectFields, subSelections, type CollectContext } from "../supergraph/collect-fields.ts";
import type { CostInput } from "./cost-estimator.ts";
import { argumentsCost, argumentValues, fieldWeight, isIntrospectionField } from "./cost-rules.ts";
import { PerOperation } from "./estimate-cache.ts";

export function actualCost(input: CostInput, data: Readonly<Record<string, unknown>> | null | undefined, walkers?: ActualCostWalkers): number {
  const root = input.schema.getRootType(input.operation.operation);
  if (!root || !data) return 0;
  const walker = walkers ? walkers.get(input) : newWalker(input);
  return walker.object(root, input.operation, data, input.operation.operation === "mutation");
}

const newWalker = (input: CostInput) => new ActualCost(input, collectContext(input.schema, input.document, input.variables));

/**
 * The walkers of recent operations, kept with what they worked out (each selection's fields,
 * argument costs and weights depend on the document and variables, never on the data): without
 * it every request collected fields and coerced arguments again, about a third of what the
 * actual-cost walk cost on the deep benchmark query.
 */
export class ActualCostWalkers extends PerOperation<ActualCost> {
  constructor() {
    super(newWalker);
  }
}

/** One field of a selection on one runtime type: everything about it that does not depend on the data. */
interface FieldPlan {
  readonly key: string;
  readonly nodes: readonly FieldNode[];
  readonly argumentsCost: number;
  /** What a non-null value of the field costs, its type's walk (lists, composites, leaves) worked out once. */
  readonly measure: (value: unknown) => number;
}

/**
 * Walks the data once. A response repeats the same selection on every item of a list, so the
 * fields of a selection on a runtime type (collected, with their argument cost and weight) are
 * worked out once per walk, keyed by the field nodes that own the selection, not per object.
 */
export class ActualCost {
  private readonly plans = new Map<object, Map<GraphQLObjectType, readonly FieldPlan[]>>();

  constructor(
    private readonly input: CostInput,
    private readonly context: CollectContext,
  ) {}

  private composite(type: GraphQLCompositeType, owner: readonly FieldNode[], value: Record<string, unknown>): number {
    if (isObjectType(type)) return this.object(type, owner, value, false);
    const typename = value.__typename;
    const runtime = typeof typename === "string" ? this.input.schema.getType(typename) : undefined;
    if (runtime && isObjectType(runtime)) return this.object(runtime, owner, value, false);
    // The runtime type is unknown without __typename: charge the possible type that costs most.
    return Math.max(0, ...this.input.schema.getPossibleTypes(type).map((t) => this.object(t, owner, value, false)));
  }

  /** `owner`: the operation (the root's selection) or the field nodes whose sub-selections apply. */
  object(type: GraphQLObjectType, owner: object, value: Readonly<Record<string, unknown>>, isMutationRoot: boolean): number {
    return fieldsCost(this.planOf(type, owner, isMutationRoot), value);
  }

  private selectionsOf(owner: object): readonly SelectionSetNode[] {
    return owner === this.input.operation ? [this.input.operation.selectionSet] : subSelections(owner as readonly FieldNode[]);
  }

  private planOf(type: GraphQLObjectType, owner: object, isMutationRoot: boolean): readonly FieldPlan[] {
    let byType = this.plans.get(owner);
    if (!byType) this.plans.set(owner, (byType = new Map()));
    const known = byType.get(type);
    if (known) return known;
    const { directives, options } = this.input;
    const plan: FieldPlan[] = [];
    for (const [key, nodes] of collectFields(this.context, type, this.selectionsOf(owner))) {
      const node = nodes[0]!;
      const name = node.name.value;
      if (isIntrospectionField(name)) continue;
      const field = type.getFields()[name];
      if (!field) continue;
      const args = argumentValues(field, node, this.input.variables);
      plan.push({
        key,
        nodes,
        argumentsCost: argumentsCost(directives, type, field, node, args),
        measure: this.measureOf(field.type, nodes, fieldWeight(directives, type, field, isMutationRoot, options)),
      });
    }
    byType.set(type, plan);
    return plan;
  }

  /** A non-null value's cost: each list item's (nulls cost nothing), a composite's weight and fields, a leaf's weight. */
  private measureOf(type: GraphQLOutputType, nodes: readonly FieldNode[], weight: number): (value: unknown) => number {
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner)) {
      const item = this.measureOf(inner.ofType, nodes, weight);
      return (value) => {
        if (!Array.isArray(value)) return 0;
        let sum = 0;
        for (const element of value) if (element !== null && element !== undefined) sum += item(element);
        return sum;
      };
    }
    const named = getNamedType(inner);
    if (isObjectType(named)) {
      // One runtime type: its plan is looked up once, on the first value, not per object.
      let plan: readonly FieldPlan[] | undefined;
      return (value) => (typeof value === "object" ? weight + fieldsCost((plan ??= this.planOf(named, nodes, false)), value as Record<string, unknown>) : weight);
    }
    if (isCompositeType(named)) return (value) => (typeof value === "object" ? weight + this.composite(named, nodes, value as Record<string, unknown>) : weight);
    return () => weight;
  }
}

function fieldsCost(plan: readonly FieldPlan[], value: Readonly<Record<string, unknown>>): number {
  let cost = 0;
  for (let i = 0; i < plan.length; i++) {
    const field = plan[i]!;
    cost += field.argumentsCost;
    const fieldValue = value[field.key];
    if (fieldValue === undefined || fieldValue === null) continue;
    cost += field.measure(fieldValue);
  }
  return cost;
}
