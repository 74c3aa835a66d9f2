/**
 * Resolves one subscription event into the client's answer: the primary subgraph's event is the
 * starting data, the `rest` of the plan fetches the fields other subgraphs own, and the result is
 * shaped to the client's selection.
 *
 * It runs `@apollo/gateway`'s own `executeQueryPlan` over a plan `Sequence[seed, rest]`, where
 * `seed` is the primary fetch re-pointed at an in-memory service that answers with the event.
 * Reusing it, rather than a small executor of our own, keeps entity representations (`requires`),
 * input/output rewrites, error paths, `@skip`/`@include` conditions and the final result shaping
 * (keys the planner added are dropped, null propagation) identical to queries; and the other
 * fetches go through our `SubgraphDataSource`s, so the subgraph pipeline (telemetry, balancing,
 * header and token forwarding with this client's token) applies to them unchanged.
 */
import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from "@apollo/gateway";
import type { QueryPlan } from "@apollo/query-planner";
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import type { FormattedExecutionResult, GraphQLFormattedError } from "graphql";
import type { RequestContext } from "../server/context.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import type { PlannedSubscription } from "./planner.ts";

/** The in-memory service the seed fetch reads the event from. */
const EVENT_SERVICE = "__subscription_event__";

export interface EventExecution {
  readonly snapshot: SupergraphSnapshot;
  readonly planned: PlannedSubscription;
  /** The subgraph data sources by name (the registry's, shared with queries). */
  readonly services: ServiceMap;
  readonly variables: Record<string, unknown>;
  /** This client's context: its principal's token is what the rest fetches forward. */
  readonly context: RequestContext;
}

const seeds = new WeakMap<object, GatewayGraphQLResponse>();

const eventSource: GraphQLDataSource = {
  process: async (options) => {
    const incoming = "incomingRequestContext" in options ? options.incomingRequestContext : undefined;
    return (incoming && seeds.get(incoming)) ?? { data: null };
  },
};

const plans = new WeakMap<PlannedSubscription, QueryPlan>();

/** The client's answer to one upstream event. */
export async function executeEvent(execution: EventExecution, event: FormattedExecutionResult): Promise<FormattedExecutionResult> {
  const { snapshot, planned, context, variables } = execution;
  const upstreamErrors = event.errors ?? [];
  if (event.data == null) return { data: null, errors: upstreamErrors.length > 0 ? [...upstreamErrors] : [{ message: "The subgraph sent an event without data" }] };

  // executeQueryPlan reads only these members of the request context (logger, metrics, request.variables, context);
  // our data source also reads `operation`.
  const requestContext = {
    logger: context.logger,
    metrics: {},
    request: { variables, query: "", operationName: planned.operationContext.operation.name?.value },
    context,
    operationName: planned.operationContext.operation.name?.value ?? null,
    // With the operation known to be a subscription (never a mutation), the dedup layer may let
    // the subscribers of one event share each of its fetches.
    operation: planned.operationContext.operation,
  } as unknown as GatewayGraphQLRequestContext;
  seeds.set(requestContext, { data: event.data as Record<string, unknown> });

  const result = await executeQueryPlan(
    planFor(planned),
    { ...execution.services, [EVENT_SERVICE]: eventSource },
    requestContext,
    planned.operationContext,
    snapshot.supergraphSchema,
    snapshot.federationApiSchema,
  );
  const errors: GraphQLFormattedError[] = [...upstreamErrors, ...(result.errors ?? []).map((e) => ("toJSON" in e ? e.toJSON() : e) as GraphQLFormattedError)];
  return { data: (result.data ?? null) as Record<string, unknown> | null, ...(errors.length > 0 ? { errors } : {}) };
}

function planFor(planned: PlannedSubscription): QueryPlan {
  let plan = plans.get(planned);
  if (!plan) {
    const seed = { ...planned.primary, serviceName: EVENT_SERVICE };
    plan = { kind: "QueryPlan", node: planned.rest ? { kind: "Sequence", nodes: [seed, planned.rest] } : seed };
    plans.set(planned, plan);
  }
  return plan;
}
