/**
 * What a gRPC status means for the client and for the balancer. The client gets a field error
 * with a code (never the service's details text, which may carry internals); the balancer gets
 * the failure kind that decides retry and ejection, the same kinds a GraphQL subgraph's HTTP
 * failures have: UNAVAILABLE is a 503 and a DEADLINE_EXCEEDED the service gave before our own
 * deadline a 504 (both retried on another instance for queries only, never for mutations); our
 * own deadline passing is a timeout (not retried: the client's time is spent). An UNAVAILABLE that
 * grpc-js gave because no connection could be made (the instance is down) is a connection that was
 * never made, as a refused TCP connect is for HTTP: any operation, mutations included, may go to
 * another instance.
 */
import * as grpc from "@grpc/grpc-js";
import { GraphQLError } from "graphql";
import type { SubgraphFailureKind } from "../subgraph/types.ts";

/** A failure the balancer counts; undefined for an answer that is the service's verdict (NOT_FOUND, PERMISSION_DENIED…). */
export interface GrpcFailure {
  readonly kind: SubgraphFailureKind;
  readonly status: number | undefined;
}

const CODES: Partial<Record<grpc.status, string>> = {
  [grpc.status.NOT_FOUND]: "NOT_FOUND",
  [grpc.status.PERMISSION_DENIED]: "FORBIDDEN",
  [grpc.status.UNAUTHENTICATED]: "UNAUTHENTICATED",
  [grpc.status.INVALID_ARGUMENT]: "BAD_USER_INPUT",
  [grpc.status.OUT_OF_RANGE]: "BAD_USER_INPUT",
  [grpc.status.FAILED_PRECONDITION]: "FAILED_PRECONDITION",
  [grpc.status.UNAVAILABLE]: "SUBGRAPH_UNAVAILABLE",
  [grpc.status.DEADLINE_EXCEEDED]: "SUBGRAPH_TIMEOUT",
  [grpc.status.CANCELLED]: "SUBGRAPH_TIMEOUT",
};

export const statusName = (code: number): string => grpc.status[code] ?? `STATUS_${code}`;

const isServiceError = (e: unknown): e is grpc.ServiceError => typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "number";

/**
 * grpc-js's load-balancing pickers fail a call they could not give any connection with this text
 * (`No connection established`, prefixed with the policy's name by some): the call never left the
 * gateway. A status the service itself sent carries its own details, so it never reads as this
 * (a service quoting grpc-js word for word would only make a mutation's retry possible where the
 * call was refused before it ran).
 */
const NEVER_SENT = /^(\w+: )?No connection established/;

/**
 * grpc-js fails a call whose reply is larger than the channel's receive limit (`maxResponseBytes`)
 * with RESOURCE_EXHAUSTED and this text: the gateway refused the answer, as undici refuses an HTTP
 * body past the same limit, so it is SUBGRAPH_BAD_RESPONSE, not the service's own quota verdict.
 */
const TOO_LARGE = /^Received message larger than max/;
const tooLarge = (error: grpc.ServiceError) => error.code === grpc.status.RESOURCE_EXHAUSTED && TOO_LARGE.test(error.details ?? "");

/** The balancer's view of a failed call; `deadlinePassed`: our own deadline for the call is over. */
export function failureOf(error: unknown, deadlinePassed: boolean): GrpcFailure | undefined {
  if (!isServiceError(error)) return { kind: "invalid-body", status: undefined };
  switch (error.code) {
    case grpc.status.UNAVAILABLE:
      return NEVER_SENT.test(error.details ?? "") ? { kind: "connect", status: undefined } : { kind: "status", status: 503 };
    case grpc.status.DEADLINE_EXCEEDED:
      return deadlinePassed ? { kind: "timeout", status: undefined } : { kind: "status", status: 504 };
    case grpc.status.CANCELLED:
      return { kind: "aborted", status: undefined };
    case grpc.status.RESOURCE_EXHAUSTED:
      return tooLarge(error) ? { kind: "invalid-body", status: undefined } : undefined;
    case grpc.status.INTERNAL:
    case grpc.status.UNKNOWN:
    case grpc.status.DATA_LOSS:
    case grpc.status.UNIMPLEMENTED:
      return { kind: "status", status: 500 };
    default:
      return undefined;
  }
}

/** The field error a client sees for a failed call. */
export function grpcFieldError(error: unknown, subgraph: string, method: string): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const status = isServiceError(error) ? error.code : grpc.status.UNKNOWN;
  const name = statusName(status);
  return new GraphQLError(`${method} on subgraph "${subgraph}" answered ${name}`, {
    extensions: { code: isServiceError(error) && tooLarge(error) ? "SUBGRAPH_BAD_RESPONSE" : (CODES[status] ?? "GRPC_ERROR"), grpcStatus: name, subgraph },
  });
}

/** The error of a batched lookup's key that got no answer. */
export function notFoundError(subgraph: string, method: string, key: string): GraphQLError {
  return new GraphQLError(`${method} on subgraph "${subgraph}" has no answer for key ${JSON.stringify(key)}`, {
    extensions: { code: "NOT_FOUND", grpcStatus: "NOT_FOUND", subgraph },
  });
}
