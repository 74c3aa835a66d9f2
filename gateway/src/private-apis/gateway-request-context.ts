/**
 * The request context `@apollo/gateway`'s executor reads. Apollo Server used to build it; the
 * pipeline now does, so this is the one place that knows which of its fields the executor,
 * `executeQueryPlan` and the data sources read (the interface declares more than they use, and
 * says nothing of which). The contract test (test/unit/private-apis) runs the real executor with
 * it and fails when an upgrade reads a field this leaves out.
 */
import type { GatewayGraphQLRequestContext } from "@apollo/server-gateway-interface";
import type { DocumentNode, OperationDefinitionNode } from "graphql";
import type { RequestContext } from "../server/context.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";

export interface GatewayRequestInput {
  readonly snapshot: SupergraphSnapshot;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  readonly queryHash: string;
  readonly source: string;
  readonly variables: Record<string, unknown>;
  readonly context: RequestContext;
}

export function gatewayRequestContext(input: GatewayRequestInput): GatewayGraphQLRequestContext {
  const context = input.context;
  return {
    request: { query: input.source, operationName: input.operationName, variables: input.variables },
    document: input.document,
    operation: input.operation,
    // Apollo Server put the resolved operation's name here (spans read it), not the request's field.
    operationName: input.operation.name?.value ?? null,
    queryHash: input.queryHash,
    source: input.source,
    schemaHash: input.snapshot.hash,
    schema: input.snapshot.apiSchema,
    context,
    logger: context.logger,
    metrics: {},
    overallCachePolicy: { restrict: () => undefined, replace: () => undefined, policyIfCacheable: () => null },
    cache: undefined,
  } as unknown as GatewayGraphQLRequestContext;
}
