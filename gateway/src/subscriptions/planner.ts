/**
 * Plans subscription operations over the loaded supergraph. `@apollo/query-planner` plans a
 * subscription as a `Subscription` node: a `primary` fetch to the subgraph that owns the root
 * field and a `rest` plan for the fields other subgraphs own. The primary goes upstream over
 * WebSocket; the rest runs per event (rest-executor.ts). Built lazily from the sanitized SDL the
 * gateway loads, rebuilt when it changes, with a bounded plan cache per supergraph.
 */
import { buildOperationContext } from "@apollo/gateway";
import { operationFromDocument, Supergraph, type Schema } from "@apollo/federation-internals";
import { QueryPlanner, type FetchNode, type PlanNode } from "@apollo/query-planner";
import type { DocumentNode, GraphQLSchema } from "graphql";
import { LruCache } from "../auth/lru.ts";

/** One supergraph's planning state. */
export interface Planning {
  /** The SDL it was built from (the copy `@apollo/gateway` loads). */
  readonly gatewaySdl: string;
  /** The client-facing schema, for validation and authorization. */
  readonly apiSchema: GraphQLSchema;
  readonly federationApiSchema: Schema;
  /** The supergraph as a graphql-js schema, for the plan executor. */
  readonly supergraphSchema: GraphQLSchema;
  /** Routing URL per subgraph name. */
  readonly subgraphUrls: ReadonlyMap<string, string>;
  plan(document: DocumentNode, operationName: string | undefined, cacheKey: string): PlannedSubscription;
}

export interface PlannedSubscription {
  /** The fetch sent upstream; its result seeds each event. */
  readonly primary: FetchNode;
  /** The fields other subgraphs own; undefined when the primary subgraph answers everything. */
  readonly rest: PlanNode | undefined;
  readonly operationContext: ReturnType<typeof buildOperationContext>;
}

export class SubscriptionPlanner {
  private current: Planning | undefined;

  constructor(private readonly cacheEntries: number) {}

  /** The planning state for this SDL, built on first use after a (re)load. */
  planningFor(gatewaySdl: string): Planning {
    if (this.current?.gatewaySdl !== gatewaySdl) this.current = buildPlanning(gatewaySdl, this.cacheEntries);
    return this.current;
  }
}

function buildPlanning(gatewaySdl: string, cacheEntries: number): Planning {
  const supergraph = Supergraph.build(gatewaySdl);
  const planner = new QueryPlanner(supergraph);
  const federationApiSchema = supergraph.apiSchema();
  const apiSchema = federationApiSchema.toGraphQLJSSchema();
  const subgraphUrls = new Map<string, string>();
  for (const subgraph of supergraph.subgraphs()) subgraphUrls.set(subgraph.name, subgraph.url);
  const plans = new LruCache<string, PlannedSubscription>(cacheEntries);
  return {
    gatewaySdl,
    apiSchema,
    federationApiSchema,
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
    subgraphUrls,
    plan(document, operationName, cacheKey) {
      const cached = plans.get(cacheKey);
      if (cached) return cached;
      const operation = operationFromDocument(supergraph.schema, document, { ...(operationName ? { operationName } : {}) });
      const plan = planner.buildQueryPlan(operation);
      const node = plan.node;
      if (node?.kind !== "Subscription") throw new Error(`expected a Subscription plan node, got ${node?.kind ?? "none"}`);
      const planned: PlannedSubscription = {
        primary: node.primary,
        rest: node.rest,
        operationContext: buildOperationContext({ schema: apiSchema, operationDocument: document, ...(operationName ? { operationName } : {}) }),
      };
      plans.set(cacheKey, planned);
      return planned;
    },
  };
}
