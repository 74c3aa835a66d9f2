/**
 * Our `GraphQLDataSource`: the one seam `@apollo/gateway` offers around each subgraph fetch.
 * It turns a planned fetch into a `SubgraphRequest`, runs it through the layer pipeline, and
 * turns transport failures into GraphQL errors that name the subgraph and the request id but
 * never an internal URL or host, so the rest of the response is still returned.
 */
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
// The enum is exported only as a type from the package root.
import { GraphQLDataSourceRequestKind } from "../private-apis/data-source-kind.ts";
import type { GatewayGraphQLResponse } from "@apollo/server-gateway-interface";
import { Kind, type DocumentNode, type GraphQLFormattedError } from "graphql";
import type { Logger } from "../logging/logger.ts";
import type { RequestContext } from "../server/context.ts";
import type { ErrorCode } from "../errors/codes.ts";
import { SubgraphFetchError, type OperationKind, type SubgraphCall, type SubgraphRequest } from "./types.ts";

export interface SubgraphDataSourceOptions {
  name: string;
  call: SubgraphCall;
  /** Client headers copied onto every fetch (lower-case names). */
  propagateHeaders: readonly string[];
  /** Whether the verified caller's token goes to this subgraph. */
  forwardIdentity: boolean;
  logger: Logger;
}

/** What our executor adds to `@apollo/gateway`'s process options (it calls data sources as that executor does). */
export interface ExecutorFetchOptions {
  readonly acceptsSharedAnswer?: boolean;
}

export class SubgraphDataSource implements GraphQLDataSource<RequestContext> {
  constructor(private readonly options: SubgraphDataSourceOptions) {}

  async process(options: GraphQLDataSourceProcessOptions<RequestContext>): Promise<GatewayGraphQLResponse> {
    const context = options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION ? (options.context as RequestContext) : undefined;
    const request: SubgraphRequest = {
      subgraph: this.options.name,
      operationKind: options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION ? operationKindOf(options.document, options.request.query) : "query",
      clientOperationKind: options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION ? options.incomingRequestContext.operation?.operation : undefined,
      body: {
        query: options.request.query ?? "",
        ...(options.request.variables ? { variables: options.request.variables } : {}),
        ...(options.request.operationName ? { operationName: options.request.operationName } : {}),
      },
      headers: this.headersFor(context),
      context,
      signal: context?.signal,
      ...((options as ExecutorFetchOptions).acceptsSharedAnswer ? { acceptsSharedAnswer: true } : {}),
    };
    try {
      const response = await this.options.call(request);
      return response.body as GatewayGraphQLResponse;
    } catch (e) {
      if (context === undefined) throw e; // health checks report failure by throwing
      if (e instanceof SubgraphFetchError && e.answer) {
        context.logger.warn({ subgraph: this.options.name, instance: e.instance, kind: e.kind, status: e.status }, "subgraph fetch failed");
        return e.answer as GatewayGraphQLResponse;
      }
      return { errors: [this.toClientError(e, context)] };
    }
  }

  private headersFor(context: RequestContext | undefined): Record<string, string> {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (!context) return headers;
    headers["x-request-id"] = context.requestId;
    for (const name of this.options.propagateHeaders) {
      const value = context.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    // Identity comes only from the verified principal: a client-supplied authorization is never
    // forwarded (not even through propagateHeaders); a verified caller's token is forwarded as is,
    // unless this subgraph is configured not to see identity at all.
    delete headers.authorization;
    if (this.options.forwardIdentity && context.principal.kind === "user") headers.authorization = `Bearer ${context.principal.token}`;
    // The gateway is the edge: the client address it saw replaces any the client claimed.
    headers["x-forwarded-for"] = context.clientAddress;
    return headers;
  }

  private toClientError(e: unknown, context: RequestContext): GraphQLFormattedError {
    const subgraph = this.options.name;
    if (!(e instanceof SubgraphFetchError)) {
      context.logger.error({ err: e, subgraph }, "subgraph fetch failed unexpectedly");
      return clientError("SUBGRAPH_BAD_RESPONSE", `Subgraph "${subgraph}" failed`, subgraph, context.requestId);
    }
    context.logger.warn({ subgraph, instance: e.instance, kind: e.kind, status: e.status, reason: e.message }, "subgraph fetch failed");
    if (e.kind === "aborted" && isDeadline(context.signal.reason)) {
      return clientError("REQUEST_TIMEOUT", `The request deadline passed before subgraph "${subgraph}" answered`, subgraph, context.requestId);
    }
    switch (e.kind) {
      case "timeout":
        return clientError("SUBGRAPH_TIMEOUT", `Subgraph "${subgraph}" did not answer in time`, subgraph, context.requestId);
      case "invalid-body":
        return clientError("SUBGRAPH_BAD_RESPONSE", `Subgraph "${subgraph}" returned an invalid response`, subgraph, context.requestId);
      case "connect":
      case "reset":
      case "status":
      case "aborted":
      case "no-instance":
        return clientError("SUBGRAPH_UNAVAILABLE", `Subgraph "${subgraph}" is unavailable`, subgraph, context.requestId);
    }
  }
}

/** The whole-request deadline aborts with a TimeoutError; a client disconnect with an AbortError. */
function isDeadline(reason: unknown): boolean {
  return reason instanceof Error && reason.name === "TimeoutError";
}

function clientError(code: ErrorCode, message: string, subgraph: string, requestId: string): GraphQLFormattedError {
  return { message, extensions: { code, subgraph, requestId } };
}

/**
 * The fetch's operation type. The query planner leaves `document` undefined unless
 * `exposeDocumentNodeInFetchNode` is set, so the fetch's own text decides then: it always starts
 * with its keyword (`mutation Name__orders__0 {`), and a bare `{` is a query. Getting this wrong
 * would let the retry layer send a mutation twice.
 */
function operationKindOf(document: DocumentNode | undefined, query: string | undefined): OperationKind {
  const op = document?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (op && op.kind === Kind.OPERATION_DEFINITION) return op.operation;
  const keyword = /^\s*(query|mutation|subscription)\b/.exec(query ?? "")?.[1];
  return (keyword as OperationKind | undefined) ?? "query";
}
