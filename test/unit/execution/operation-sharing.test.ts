/**
 * The operation-sharing wrapper around an executor, in one process: which requests share, what
 * each waiter gets, and that a shared result serializes exactly as JSON.stringify would.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ExecutionInput, ExecutionOutput } from "../../../gateway/src/execution/gateway-executor.ts";
import { isSharedData, oncePerSharedData, shareOperations } from "../../../gateway/src/execution/operation-sharing.ts";
import { anonymous, type Principal, type RequestContext } from "../../../gateway/src/server/context.ts";
import { serializeResult } from "../../../gateway/src/server/serialize-result.ts";
import { createLogger } from "../../../gateway/src/logging/logger.ts";

const logger = createLogger({ level: "silent" });

function requestContext(
  options: { variables?: Record<string, unknown>; operation?: "query" | "mutation"; principal?: Principal; headers?: Record<string, string>; signal?: AbortSignal; requestId?: string; source?: string } = {},
): ExecutionInput {
  const context: RequestContext = {
    requestId: options.requestId ?? "r",
    logger,
    headers: options.headers ?? {},
    clientAddress: "127.0.0.1",
    authorization: undefined,
    signal: options.signal ?? new AbortController().signal,
    startedAt: 0,
    principal: options.principal ?? anonymous,
  };
  return {
    snapshot: { hash: "schema" },
    queryHash: "hash",
    source: options.source ?? "query Q { items }",
    operationName: "Q",
    operation: { operation: options.operation ?? "query" },
    variables: options.variables ?? { a: 1, b: 2 },
    context,
  } as unknown as ExecutionInput;
}

/** An executor that answers when the test says so, recording each call's context. */
function heldExecutor() {
  const calls: Array<{ context: RequestContext; release: (r: ExecutionOutput) => void }> = [];
  const executor = (input: ExecutionInput) => new Promise<ExecutionOutput>((resolve) => calls.push({ context: input.context, release: resolve }));
  return { calls, executor };
}

const user = (token: string): Principal => ({ kind: "user", subject: "u", scopes: new Set(), roles: new Set(), claims: {}, token, expiresAt: 0 });

describe("operation sharing", () => {
  it("runs identical queries once, whatever the key order of their variables, and marks the data shared", async () => {
    const { calls, executor } = heldExecutor();
    const share = shareOperations(executor, { propagatedHeaders: [] });
    const a = share(requestContext({ variables: { a: 1, b: 2 } }));
    const b = share(requestContext({ variables: { b: 2, a: 1 } }));
    assert.equal(calls.length, 1);
    const data = { x: [1, 2] };
    calls[0]!.release({ data });
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.data, data);
    assert.equal(rb.data, data);
    assert.notEqual(ra, rb, "each waiter gets its own result object");
    assert.ok(isSharedData(data));
  });

  it("runs each mutation, and queries that differ in variables, token or a propagated header", async () => {
    const { calls, executor } = heldExecutor();
    const share = shareOperations(executor, { propagatedHeaders: ["x-tenant"] });
    const pending = [
      share(requestContext({ operation: "mutation" })),
      share(requestContext({ operation: "mutation" })),
      share(requestContext({ variables: { a: 2 } })),
      share(requestContext({ principal: user("t1") })),
      share(requestContext({ principal: user("t2") })),
      share(requestContext({ headers: { "x-tenant": "one" } })),
      share(requestContext({ headers: { "x-tenant": "two" } })),
      // The same document to run (queryHash) from another client text: each needs its own nulls put back.
      share(requestContext({ source: "query Q { items other }" })),
      // Not propagated: does not change the answer, so it shares with the plain query below.
      share(requestContext({ headers: { "x-other": "one" } })),
      share(requestContext()),
    ];
    assert.equal(calls.length, 9);
    for (const call of calls) call.release({ data: {} });
    await Promise.all(pending);
  });

  it("lets a waiter leave alone, and cancels the execution only when the last one leaves", async () => {
    const { calls, executor } = heldExecutor();
    const share = shareOperations(executor, { propagatedHeaders: [] });
    const first = new AbortController();
    const second = new AbortController();
    const a = share(requestContext({ signal: first.signal, requestId: "a" }));
    const b = share(requestContext({ signal: second.signal, requestId: "b" }));
    const shared = calls[0]!.context.signal;
    assert.notEqual(shared, first.signal, "the execution has a signal of its own");
    first.abort(new DOMException("deadline", "TimeoutError"));
    const ra = await a;
    assert.equal(ra.errors?.[0]?.extensions?.code, "REQUEST_TIMEOUT");
    assert.equal(shared.aborted, false, "the other waiter still wants the answer");
    second.abort();
    assert.equal((await b).errors?.[0]?.extensions?.code, "CLIENT_CLOSED_REQUEST");
    assert.equal(shared.aborted, true);
    // The next identical query starts afresh instead of joining the cancelled one.
    const c = share(requestContext());
    assert.equal(calls.length, 2);
    calls[1]!.release({ data: { ok: true } });
    assert.deepEqual((await c).data, { ok: true });
  });

  it("computes a derived value once per shared data object, and every time for data that is not shared", async () => {
    const { calls, executor } = heldExecutor();
    const share = shareOperations(executor, { propagatedHeaders: [] });
    const pending = [share(requestContext()), share(requestContext())];
    const data = { n: 1 };
    calls[0]!.release({ data });
    await Promise.all(pending);
    const once = oncePerSharedData<number>();
    let computed = 0;
    assert.equal(once(data, () => ++computed), 1);
    assert.equal(once(data, () => ++computed), 1);
    const own = { n: 1 };
    once(own, () => ++computed);
    once(own, () => ++computed);
    assert.equal(computed, 3);
  });

  it("serializes a shared result exactly as JSON.stringify, with each request's own errors and extensions", async () => {
    const { calls, executor } = heldExecutor();
    const share = shareOperations(executor, { propagatedHeaders: [] });
    const pending = [share(requestContext()), share(requestContext())];
    const data = { orders: [{ id: "1", note: 'quote " and \u2028' }], empty: null };
    calls[0]!.release({ data });
    await Promise.all(pending);
    for (const value of [
      { errors: undefined, data, extensions: undefined },
      { errors: [{ message: "m", extensions: { requestId: "a" } }], data, extensions: undefined },
      { errors: undefined, data, extensions: { cost: { estimated: 3 } } },
      { errors: [{ message: "m" }], data, extensions: { cost: 1 } },
    ]) {
      assert.equal(serializeResult(value), JSON.stringify(value));
    }
  });
});
