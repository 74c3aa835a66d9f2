/**
 * Plans subscription operations with the snapshot's query planner. `@apollo/query-planner` plans
 * a subscription as a `Subscription` node: a `primary` fetch to the subgraph that owns the root
 * field and a `rest` plan for the fields other subgraphs own. The primary goes upstream over
 * WebSocket; the rest runs per event (rest-executor.ts). Plans are cached per snapshot.
 */
import { buildOperationContext } from "@apollo/gateway";
import { operationFromDocument } from "@apollo/federation-internals";
import type { FetchNode, PlanNode } from "@apollo/query-planner";
import type { DocumentNode } from "graphql";
import { LruCache } from "../auth/lru.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";

export interface PlannedSubscription {
  /** The fetch sent upstream; its result seeds each event. */
  readonly primary: FetchNode;
  /** The fields other subgraphs own; undefined when the primary subgraph answers everything. */
  readonly rest: PlanNode | undefined;
  readonly operationContext: ReturnType<typeof buildOperationContext>;
}

export class SubscriptionPlanner {
  private readonly plans = new WeakMap<SupergraphSnapshot, LruCache<string, PlannedSubscription>>();

  constructor(private readonly cacheEntries: number) {}

  plan(snapshot: SupergraphSnapshot, document: DocumentNode, operationName: string | undefined, cacheKey: string): PlannedSubscription {
    let plans = this.plans.get(snapshot);
    if (!plans) this.plans.set(snapshot, (plans = new LruCache(this.cacheEntries)));
    const cached = plans.get(cacheKey);
    if (cached) return cached;
    const operation = operationFromDocument(snapshot.federationSupergraph.schema, document, { ...(operationName ? { operationName } : {}) });
    const node = snapshot.planner().buildQueryPlan(operation).node;
    if (node?.kind !== "Subscription") throw new Error(`expected a Subscription plan node, got ${node?.kind ?? "none"}`);
    const planned: PlannedSubscription = {
      primary: node.primary,
      rest: node.rest,
      operationContext: buildOperationContext({ schema: snapshot.apiSchema, operationDocument: document, ...(operationName ? { operationName } : {}) }),
    };
    plans.set(cacheKey, planned);
    return planned;
  }
}
