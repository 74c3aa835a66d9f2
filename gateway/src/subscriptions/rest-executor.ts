/**
 * Resolves one subscription event into the client's answer with the same executor queries use
 * (gateway/src/executor/): the primary subgraph's event is the starting data, the `rest` of the
 * plan fetches the fields other subgraphs own through the subgraph data sources (telemetry,
 * balancing, header and token forwarding with this client's token), and the result is shaped to
 * the client's selection (keys the planner added dropped, nulls bubbled, leaves checked).
 * The rest plan and the response shape are compiled once per planned subscription.
 */
import { EntityLists } from "../executor/entity-lists.ts";
import { deepMerge } from "../executor/merge.ts";
import { SharedObjects } from "../executor/shared-objects.ts";
import type { ServiceMap } from "@apollo/gateway";
import { Kind, type DocumentNode, type FormattedExecutionResult, type GraphQLFormattedError } from "graphql";
import { operationFromDocument } from "@apollo/federation-internals";
import type { GatewayGraphQLRequestContext } from "@apollo/server-gateway-interface";
import { compilePlan, type CompiledNode } from "../executor/compiled-plan.ts";
import { compileResponseShape, type ResponseShape } from "../executor/response-shape.ts";
import { runPlan } from "../executor/run-plan.ts";
import { shapeResponse } from "../executor/shape-response.ts";
import type { RequestContext } from "../server/context.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import type { PlannedSubscription } from "./planner.ts";

export interface EventExecution {
  readonly snapshot: SupergraphSnapshot;
  readonly planned: PlannedSubscription;
  /** The subgraph data sources by name (the registry's, shared with queries). */
  readonly services: ServiceMap;
  readonly variables: Record<string, unknown>;
  /** This client's context: its principal's token is what the rest fetches forward. */
  readonly context: RequestContext;
}

interface CompiledSubscription {
  readonly rest: CompiledNode | undefined;
  readonly shape: ResponseShape;
}

const compiledPlans = new WeakMap<PlannedSubscription, CompiledSubscription>();

/** The client's answer to one upstream event. */
export async function executeEvent(execution: EventExecution, event: FormattedExecutionResult): Promise<FormattedExecutionResult> {
  const { snapshot, planned, context, variables } = execution;
  const upstreamErrors = event.errors ?? [];
  if (event.data == null) return { data: null, errors: upstreamErrors.length > 0 ? [...upstreamErrors] : [{ message: "The subgraph sent an event without data" }] };

  const compiled = compiledFor(snapshot, planned);
  // Every subscriber of one upstream event resolves it: each holds the event's data as shared and
  // copies only what its plan merges into.
  const shared = new SharedObjects();
  const gathered: Record<string, unknown> = {};
  deepMerge(gathered, event.data, shared, true);
  const errors: Array<GraphQLFormattedError | Error> = [...upstreamErrors];
  const planErrors: Error[] = [];
  if (compiled.rest) {
    await runPlan(compiled.rest, gathered, {
      service: (name) => execution.services[name],
      context,
      // With the operation known to be a subscription (never a mutation), the dedup layer may let
      // the subscribers of one event share each of its fetches.
      incoming: { operation: planned.operationContext.operation } as unknown as GatewayGraphQLRequestContext,
      variables,
      defaults: compiled.shape.defaults,
      errors: planErrors,
      tracer: undefined,
      entityLists: new EntityLists(),
      shared,
    });
  }
  const shaped = shapeResponse(compiled.shape, snapshot.shapeSchema(), gathered, variables);
  for (const e of planErrors) errors.push("toJSON" in e && typeof e.toJSON === "function" ? (e.toJSON() as GraphQLFormattedError) : { message: e.message });
  return { data: shaped.data ?? null, ...(errors.length > 0 ? { errors: errors as GraphQLFormattedError[] } : {}) };
}

function compiledFor(snapshot: SupergraphSnapshot, planned: PlannedSubscription): CompiledSubscription {
  let compiled = compiledPlans.get(planned);
  if (compiled) return compiled;
  const restPlan = planned.rest ? compilePlan({ kind: "QueryPlan", node: planned.rest }, snapshot.supergraphSchema) : undefined;
  if (restPlan?.kind === "unsupported") throw new Error(`subscription plans with ${restPlan.reason} are not supported`);
  const { operation, fragments } = planned.operationContext;
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...Object.values(fragments)] };
  const shape = compileResponseShape(snapshot.shapeSchema(), operationFromDocument(snapshot.federationApiSchema, document, { validate: false }));
  compiled = { rest: restPlan?.root, shape };
  compiledPlans.set(planned, compiled);
  return compiled;
}
