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
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // Authentication and authorization.
  UNAUTHENTICATED: 401,
  UNAUTHORIZED_FIELD_OR_TYPE: 403,
  // Demand control.
  COST_ESTIMATED_TOO_EXPENSIVE: 400,
  RATE_LIMITED: 429,
  // Upstream trouble: partial data is still returned with 200, so these carry no status of their own.
  SUBGRAPH_UNAVAILABLE: 200,
  SUBGRAPH_TIMEOUT: 200,
  SUBGRAPH_BAD_RESPONSE: 200,
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
