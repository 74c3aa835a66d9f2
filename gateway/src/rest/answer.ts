/**
 * A GraphQL answer as a REST response. The body is the operation's `data`, or the value of its
 * one root field when it has only one (so `GET /api/orders/o1` answers the order itself). Errors
 * become HTTP statuses and an RFC 9457 problem body (`application/problem+json`) carrying the
 * GraphQL errors with their codes: a refusal keeps the pipeline's status; after execution the
 * first error's code decides when the data is missing (401, 403, 404, 400, 504, 502). An answer
 * with data and some errors (partial data) stays 200 and lists the codes in
 * `graphql-error-codes`, so nothing the client could use is thrown away.
 */
import type { GraphQLFormattedError } from "graphql";
import type { OperationAnswer } from "../pipeline/pipeline.ts";
import type { Endpoint } from "./endpoints.ts";

export interface RestResponse {
  readonly status: number;
  readonly contentType: "application/json" | "application/problem+json";
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

const statusByCode: Readonly<Record<string, number>> = {
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  UNAUTHORIZED_FIELD_OR_TYPE: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  RATE_LIMITED: 429,
  SUBGRAPH_TIMEOUT: 504,
  REQUEST_TIMEOUT: 504,
  SUBGRAPH_UNAVAILABLE: 502,
  SUBGRAPH_BAD_RESPONSE: 502,
  INTERNAL_SERVER_ERROR: 502,
};

const titles: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The problem body for a status and the GraphQL errors behind it. */
export function problem(status: number, errors: readonly GraphQLFormattedError[], headers: Record<string, string> = {}): RestResponse {
  const first = errors[0];
  return {
    status,
    contentType: "application/problem+json",
    headers,
    body: {
      type: "about:blank",
      title: titles[status] ?? "Error",
      status,
      detail: first?.message ?? titles[status] ?? "Error",
      ...(typeof first?.extensions?.code === "string" ? { code: first.extensions.code } : {}),
      ...(typeof first?.extensions?.requestId === "string" ? { requestId: first.extensions.requestId } : {}),
      errors,
    },
  };
}

/** `signedIn`: the caller sent verified credentials; an anonymous caller refused for lack of rights gets 401, so it knows to sign in. */
export function restResponse(endpoint: Endpoint, answer: OperationAnswer, signedIn: boolean): RestResponse {
  const errors = answer.body.errors ?? [];
  const forCaller = (status: number, headers: Record<string, string>): RestResponse =>
    status === 403 && !signedIn ? problem(401, errors, { ...headers, "www-authenticate": "Bearer" }) : problem(status, errors, headers);
  if (answer.refused) return forCaller(answer.status >= 400 ? answer.status : 400, answer.headers);
  const data = answer.body.data as Record<string, unknown> | null | undefined;
  const roots = Object.keys(data ?? {});
  const value = data && roots.length === 1 ? data[roots[0]!] : data;
  if (value === null || value === undefined) {
    if (errors.length === 0) return problem(404, [{ message: `Nothing found for ${endpoint.method} ${endpoint.path} with these parameters`, extensions: { code: "NOT_FOUND" } }], answer.headers);
    const code = String(errors[0]!.extensions?.code ?? "INTERNAL_SERVER_ERROR");
    return forCaller(statusByCode[code] ?? 502, answer.headers);
  }
  const headers = { ...answer.headers };
  if (errors.length > 0) headers["graphql-error-codes"] = [...new Set(errors.map((e) => String(e.extensions?.code ?? "INTERNAL_SERVER_ERROR")))].join(", ");
  return { status: 200, contentType: "application/json", headers, body: value };
}
