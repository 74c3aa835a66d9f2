import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { isRetryable } from "../../../gateway/src/balancing/retry-policy.ts";
import { failureOf, grpcFieldError } from "../../../gateway/src/grpc/status-mapping.ts";
import { SubgraphFetchError } from "../../../gateway/src/subgraph/types.ts";

const serviceError = (code: grpc.status, details = "details the client must not see") => Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });

/** status, our deadline passed?, field error code, retried for a query, retried for a mutation */
const cases: [grpc.status, boolean, string, boolean, boolean][] = [
  [grpc.status.NOT_FOUND, false, "NOT_FOUND", false, false],
  [grpc.status.PERMISSION_DENIED, false, "FORBIDDEN", false, false],
  [grpc.status.UNAUTHENTICATED, false, "UNAUTHENTICATED", false, false],
  [grpc.status.INVALID_ARGUMENT, false, "BAD_USER_INPUT", false, false],
  [grpc.status.UNAVAILABLE, false, "SUBGRAPH_UNAVAILABLE", true, false],
  [grpc.status.DEADLINE_EXCEEDED, false, "SUBGRAPH_TIMEOUT", true, false],
  [grpc.status.DEADLINE_EXCEEDED, true, "SUBGRAPH_TIMEOUT", false, false],
  [grpc.status.INTERNAL, false, "GRPC_ERROR", false, false],
  [grpc.status.RESOURCE_EXHAUSTED, false, "GRPC_ERROR", false, false],
];

describe("gRPC status mapping", () => {
  for (const [status, deadlinePassed, code, query, mutation] of cases) {
    const name = `${grpc.status[status]}${deadlinePassed ? " after our own deadline" : ""}`;
    it(`maps ${name} to ${code}, ${query ? "retried for a query" : "not retried"} and never retried for a mutation`, () => {
      const error = grpcFieldError(serviceError(status), "routing", "EstimateEta");
      assert.equal(error.extensions.code, code);
      assert.equal(error.extensions.grpcStatus, grpc.status[status]);
      assert.doesNotMatch(error.message, /details the client must not see/);
      const failure = failureOf(serviceError(status), deadlinePassed);
      const fetchError = failure && new SubgraphFetchError(failure.kind, "routing", "grpc://x", "failed", failure.status);
      assert.equal(fetchError ? isRetryable(fetchError, "query") : false, query);
      assert.equal(fetchError ? isRetryable(fetchError, "mutation") : false, mutation);
    });
  }
});

describe("gRPC calls that never left the gateway", () => {
  it("treats grpc-js's own UNAVAILABLE for a connection never made like a refused connect: retried for queries and mutations alike", () => {
    for (const details of ["No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1", "round_robin: No connection established. Last error: x"]) {
      const failure = failureOf(serviceError(grpc.status.UNAVAILABLE, details), false);
      assert.deepEqual(failure, { kind: "connect", status: undefined });
      const fetchError = new SubgraphFetchError(failure!.kind, "routing", "grpc://x", "failed", failure!.status);
      assert.deepEqual([isRetryable(fetchError, "query"), isRetryable(fetchError, "mutation")], [true, true]);
      assert.equal(grpcFieldError(serviceError(grpc.status.UNAVAILABLE, details), "routing", "AssignCourier").extensions.code, "SUBGRAPH_UNAVAILABLE");
    }
  });

  it("treats an UNAVAILABLE the service sent as a call that may have run: never retried for a mutation", () => {
    const failure = failureOf(serviceError(grpc.status.UNAVAILABLE, "the routing service is failing on purpose"), false);
    assert.deepEqual(failure, { kind: "status", status: 503 });
  });
});

describe("a gRPC reply past the channel's receive limit", () => {
  it("is SUBGRAPH_BAD_RESPONSE and a bad answer for the balancer (not retried), as an HTTP body past maxResponseBytes", () => {
    const error = serviceError(grpc.status.RESOURCE_EXHAUSTED, "Received message larger than max (40 vs 8)");
    assert.equal(grpcFieldError(error, "routing", "EstimateEta").extensions.code, "SUBGRAPH_BAD_RESPONSE");
    const failure = failureOf(error, false);
    assert.deepEqual(failure, { kind: "invalid-body", status: undefined });
    assert.equal(isRetryable(new SubgraphFetchError(failure!.kind, "routing", "grpc://x", "failed", failure!.status), "query"), false);
  });
});
