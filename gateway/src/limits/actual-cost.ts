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

export function actualCost(input: CostInput, data: Readonly<Record<string, unknown>> | null | undefined): number {
  const root = input.schema.getRootType(input.operation.operation);
  if (!root || !data) return 0;
  const walker = new ActualCost(input, collectContext(input.schema, input.document, input.variables));
  return walker.object(root, input.operation, data, input.operation.operation === "mutation");
}

/** One field of a selection on one runtime type: everything about it that does not depend on the data. */
interface FieldPlan {
  readonly key: string;
  readonly nodes: readonly FieldNode[];
  readonly type: GraphQLOutputType;
  readonly argumentsCost: number;
  readonly weight: number;
  /** A scalar or enum, not in a list: a non-null value costs `weight`, whatever it is. */
  readonly leaf: boolean;
}

/**
 * Walks the data once. A response repeats the same selection on every item of a list, so the
 * fields of a selection on a runtime type (collected, with their argument cost and weight) are
 * worked out once per walk, keyed by the field nodes that own the selection, not per object.
 */
class ActualCost {
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
    let cost = 0;
    for (const field of this.planOf(type, owner, isMutationRoot)) {
      cost += field.argumentsCost;
      const fieldValue = value[field.key];
      if (fieldValue === undefined || fieldValue === null) continue;
      cost += field.leaf ? field.weight : this.value(field.type, field.nodes, fieldValue, field.weight);
    }
    return cost;
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
        type: field.type,
        argumentsCost: argumentsCost(directives, type, field, node, args),
        weight: fieldWeight(directives, type, field, isMutationRoot, options),
        leaf: !isListType(isNonNullType(field.type) ? field.type.ofType : field.type) && !isCompositeType(getNamedType(field.type)),
      });
    }
    byType.set(type, plan);
    return plan;
  }

  private value(type: GraphQLOutputType, nodes: readonly FieldNode[], value: unknown, weight: number): number {
    if (value === null || value === undefined) return 0;
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner)) {
      if (!Array.isArray(value)) return 0;
      let sum = 0;
      for (const item of value) sum += this.value(inner.ofType, nodes, item, weight);
      return sum;
    }
    const named = getNamedType(inner);
    if (isCompositeType(named) && typeof value === "object") {
      return weight + this.composite(named, nodes, value as Record<string, unknown>);
    }
    return weight;
  }
}
