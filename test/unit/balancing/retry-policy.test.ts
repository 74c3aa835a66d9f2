import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isRetryable } from "../../../gateway/src/balancing/retry-policy.ts";
import { SubgraphFetchError, type OperationKind, type SubgraphFailureKind } from "../../../gateway/src/subgraph/types.ts";

describe("which failed fetches are retried on another instance", () => {
  const cases: Array<{ kind: SubgraphFailureKind; status?: number; op: OperationKind; retry: boolean }> = [
    { kind: "connect", op: "query", retry: true },
    { kind: "connect", op: "mutation", retry: true }, // never reached the subgraph
    { kind: "reset", op: "query", retry: true },
    { kind: "reset", op: "mutation", retry: false }, // may have taken effect
    { kind: "status", status: 502, op: "query", retry: true },
    { kind: "status", status: 503, op: "query", retry: true },
    { kind: "status", status: 504, op: "query", retry: true },
    { kind: "status", status: 503, op: "mutation", retry: false },
    { kind: "status", status: 500, op: "query", retry: false },
    { kind: "invalid-body", status: 502, op: "query", retry: true }, // a proxy's HTML error page
    { kind: "invalid-body", status: 200, op: "query", retry: false },
    { kind: "timeout", op: "query", retry: false },
    { kind: "timeout", op: "mutation", retry: false },
    { kind: "aborted", op: "query", retry: false },
    { kind: "reset", op: "subscription", retry: false },
  ];
  for (const c of cases) {
    it(`${c.retry ? "retries" : "does not retry"} a ${c.op} after ${c.kind}${c.status ? ` (HTTP ${c.status})` : ""}`, () => {
      assert.equal(isRetryable(new SubgraphFetchError(c.kind, "orders", "http://a", "x", c.status), c.op), c.retry);
    });
  }

  it("does not retry an error that is not a subgraph fetch error", () => {
    assert.equal(isRetryable(new Error("bug"), "query"), false);
  });
});
