/**
 * The execution stage for queries and mutations: the prepared operation goes to
 * `@apollo/gateway`'s query-plan executor (through operation sharing when it is on), with the
 * request context its data sources read. An operation that asks only for introspection
 * (`__schema`, `__type`, `__typename` at the root) is answered here from the snapshot's API
 * schema with graphql-js, which knows every introspection field graphql-js validates (such as
 * `__Type.isOneOf`); `@apollo/gateway`'s own introspection handling does not.
 */
import type { GatewayExecutionResult, GatewayExecutor } from "@apollo/server-gateway-interface";
import { gatewayRequestContext } from "../private-apis/gateway-request-context.ts";
import { execute, Kind, type DocumentNode, type GraphQLError, type OperationDefinitionNode, type SelectionSetNode } from "graphql";
import type { RequestContext } from "../server/context.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import type { SubsequentPayload } from "../executor/run-deferred.ts";

export interface ExecutionInput {
  readonly snapshot: SupergraphSnapshot;
  /** What runs (authorization's filtered copy, when it removed anything). */
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  /** Names `document` in the query-plan cache. */
  readonly queryHash: string;
  /** The client's own text (operation sharing keys on it). */
  readonly source: string;
  readonly variables: Record<string, unknown>;
  readonly context: RequestContext;
  /** The client accepts incremental delivery (multipart/mixed, SSE): `@defer` may be honoured. */
  readonly incremental?: boolean | undefined;
}

export interface ExecutionOutput {
  readonly data?: Record<string, unknown> | null | undefined;
  readonly errors?: ReadonlyArray<GraphQLError | { message: string; extensions?: Record<string, unknown> }> | undefined;
  readonly extensions?: Record<string, unknown> | undefined;
  /** `@defer`red parts, as they complete; present only when `incremental` was asked and honoured. */
  readonly subsequent?: AsyncIterable<SubsequentPayload> | undefined;
}

export type Execute = (input: ExecutionInput) => Promise<ExecutionOutput>;

export function createGatewayExecute(executor: () => GatewayExecutor): Execute {
  return async (input) => {
    if (onlyIntrospection(input.operation.selectionSet, input.document)) {
      const result = await execute({ schema: input.snapshot.apiSchema, document: input.document, operationName: input.operationName, variableValues: input.variables });
      return { data: (result.data ?? null) as Record<string, unknown> | null, ...(result.errors ? { errors: result.errors } : {}) };
    }
    const requestContext = gatewayRequestContext(input);
    const result: GatewayExecutionResult = await executor()(requestContext);
    return result as ExecutionOutput;
  };
}

const introspectionRoots = new Set(["__schema", "__type", "__typename"]);

/** True when every root field (fragments expanded) is an introspection field. */
function onlyIntrospection(set: SelectionSetNode, document: DocumentNode, seen = new Set<string>()): boolean {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!introspectionRoots.has(selection.name.value)) return false;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!onlyIntrospection(selection.selectionSet, document, seen)) return false;
    } else {
      if (seen.has(selection.name.value)) continue;
      seen.add(selection.name.value);
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment && fragment.kind === Kind.FRAGMENT_DEFINITION && !onlyIntrospection(fragment.selectionSet, document, seen)) return false;
    }
  }
  return true;
}
