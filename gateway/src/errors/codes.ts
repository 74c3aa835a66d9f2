/**
 * The one registry of error codes the gateway itself produces, each with its HTTP status.
 * A code is part of the public contract: clients branch on it, alerts count it.
 */
import { GraphQLError } from "graphql";

export const errorCodes = {
  // Transport-level client faults (the request never became a GraphQL operation).
  INVALID_JSON: 400,
  EMPTY_BODY: 400,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  /** The body did not arrive in full within `server.bodyTimeoutMs` (or the headers within Node's limit). */
  REQUEST_BODY_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The request line or headers exceed Node's limit (about 16 KB). */
  REQUEST_HEADER_FIELDS_TOO_LARGE: 431,
  /** A CORS preflight from an origin not in `server.cors.origins`. */
  CORS_ORIGIN_NOT_ALLOWED: 403,
  // Operation limits and persisted operations: the document itself is refused before planning.
  MAX_DEPTH_EXCEEDED: 400,
  MAX_ALIASES_EXCEEDED: 400,
  MAX_ROOT_FIELDS_EXCEEDED: 400,
  MAX_DIRECTIVES_EXCEEDED: 400,
  MAX_TOKENS_EXCEEDED: 400,
  /** More fields than `operations.limits.maxFields` with fragments expanded (fragment fan-out). */
  MAX_FIELDS_EXCEEDED: 400,
  /** `variables` or `extensions` nested deeper than the pipeline accepts. */
  INPUT_TOO_DEEP: 400,
  /** The document asks for `__schema` or `__type` while `operations.introspection` is off. */
  INTROSPECTION_DISABLED: 400,
  /** Variables that do not coerce to their declared types. */
  BAD_USER_INPUT: 400,
  /** A GET (or a form-encoded POST) without a header a browser cannot send cross-site on its own. */
  CSRF_PREVENTED: 400,
  /** A mutation over GET: GET may only run queries. */
  MUTATION_OVER_GET: 405,
  /** Automatic persisted queries are off (disabled, or closed by a safelist manifest). */
  PERSISTED_QUERY_NOT_SUPPORTED: 400,
  BATCH_TOO_LARGE: 400,
  BATCHING_DISABLED: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  SUBSCRIPTION_OVER_HTTP: 400,
  /** 400 from a safelist manifest; Apollo Server answers an APQ miss with 200, as the APQ protocol expects. */
  PERSISTED_QUERY_NOT_FOUND: 400,
  PERSISTED_QUERY_HASH_MISMATCH: 400,
  OPERATION_NOT_IN_SAFELIST: 400,
  // Subscriptions (WebSocket and SSE): refused before the stream starts, or ending it.

  /** Only subscriptions are served over WebSocket and SSE; queries and mutations go as plain requests. */
  SUBSCRIPTION_ONLY: 400,
  /** Too many active subscriptions on the connection or for the consumer. */
  SUBSCRIPTION_LIMIT_EXCEEDED: 429,
  /** The access token expired during the subscription: it ends, and the client re-subscribes with a fresh token. */
  TOKEN_EXPIRED: 401,
  /** The client read events slower than they came and its buffer filled: the subscription ends. */
  SLOW_CONSUMER: 200,
  // The whole-request deadline passed; what finished is still returned.
  REQUEST_TIMEOUT: 200,
  // Authentication and authorization.
  UNAUTHENTICATED: 401,
  /** 403 when `auth.onUnauthorized` is `reject`; with `filter` the rest of the data comes back with 200 and one such error per removed field. */
  UNAUTHORIZED_FIELD_OR_TYPE: 403,
  /** No usable token-verification key (JWKS unreachable and nothing cached). */
  AUTH_UNAVAILABLE: 503,
  // Demand control.
  COST_ESTIMATED_TOO_EXPENSIVE: 400,
  RATE_LIMITED: 429,
  // Upstream trouble: partial data is still returned with 200, so these carry no status of their own.
  SUBGRAPH_UNAVAILABLE: 200,
  SUBGRAPH_TIMEOUT: 200,
  SUBGRAPH_BAD_RESPONSE: 200,
  /** A REST service behind a connector answered non-2xx; `extensions.status` is its HTTP status. */
  CONNECTOR_HTTP_ERROR: 200,
  /** A REST service behind a connector answered 2xx with a body that is not JSON, or not the shape the connector maps. */
  CONNECTOR_BAD_RESPONSE: 200,
  // The gateway's own state.
  SHUTTING_DOWN: 503,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** A GraphQL error with a registered code; Apollo Server reads `extensions.http` for the status. */
export function gatewayError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  headers?: Record<string, string>,
): GraphQLError {
  const status = errorCodes[code];
  const http = status === 200 && !headers ? undefined : { status, ...(headers ? { headers: new Map(Object.entries(headers)) } : {}) };
  return new GraphQLError(message, { extensions: { code, ...extensions, ...(http ? { http } : {}) } });
}

/** The JSON body of an error response produced before Apollo Server sees the request. */
export function errorBody(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] });
}
