import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dedupLayer, keyOf } from "../../../gateway/src/subgraph/dedup-layer.ts";
import { serializeBody } from "../../../gateway/src/subgraph/request-body.ts";
import { isSharedAnswer } from "../../../gateway/src/subgraph/shared-answers.ts";
import type { RequestContext } from "../../../gateway/src/server/context.ts";
import { SubgraphFetchError, type OperationKind, type SubgraphCall, type SubgraphRequest, type SubgraphResponse } from "../../../gateway/src/subgraph/types.ts";

// The layer only reads that a context exists; its contents belong to the layers below.
const context = {} as RequestContext;

interface Options {
  query?: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
  operationKind?: OperationKind;
  clientOperationKind?: OperationKind | undefined;
  signal?: AbortSignal;
  noContext?: boolean;
  acceptsSharedAnswer?: boolean;
}

function request(o: Options = {}): SubgraphRequest {
  return {
    subgraph: "orders",
    operationKind: o.operationKind ?? "query",
    clientOperationKind: "clientOperationKind" in o ? o.clientOperationKind : "query",
    body: { query: o.query ?? "{ orders { id } }", ...(o.variables ? { variables: o.variables } : {}) },
    headers: { "content-type": "application/json", ...o.headers },
    context: o.noContext ? undefined : context,
    signal: o.signal,
    ...(o.acceptsSharedAnswer ? { acceptsSharedAnswer: true } : {}),
  };
}

/** A transport held open until `release()`, counting what reached it. */
function heldTransport(answer: () => SubgraphResponse | Error = () => ok({ orders: [{ id: "1" }] })) {
  const sent: SubgraphRequest[] = [];
  const pending: Array<() => void> = [];
  const call: SubgraphCall = (req) => {
    sent.push(req);
    return new Promise((resolve, reject) => {
      const settle = () => {
        const a = answer();
        if (a instanceof Error) reject(a);
        else resolve(a);
      };
      pending.push(settle);
      req.signal?.addEventListener("abort", () => reject(new SubgraphFetchError("aborted", req.subgraph, undefined, "cancelled")), { once: true });
    });
  };
  return { call, sent, release: () => pending.splice(0).forEach((settle) => settle()) };
}

function ok(data: Record<string, unknown>, keepText = true): SubgraphResponse {
  const text = JSON.stringify({ data });
  return { status: 200, body: JSON.parse(text) as SubgraphResponse["body"], instance: "http://orders", ...(keepText ? { text } : {}) };
}

describe("the dedup layer", () => {
  it("sends N concurrent identical queries once and gives every caller the answer", async () => {
    const t = heldTransport();
    const call = dedupLayer()(t.call);
    const results = Promise.all(Array.from({ length: 5 }, () => call(request())));
    t.release();
    const responses = await results;
    assert.equal(t.sent.length, 1);
    for (const r of responses) assert.deepEqual(r.body, { data: { orders: [{ id: "1" }] } });
  });

  it("gives each caller that may write into the answer its own body, so one caller's mutation of it never reaches another", async () => {
    for (const keepText of [true, false]) {
      const t = heldTransport(() => ok({ orders: [{ id: "1" }] }, keepText));
      const call = dedupLayer()(t.call);
      const all = Promise.all([call(request()), call(request()), call(request())]);
      t.release();
      const [a, b, c] = await all;
      (a!.body.data!.orders as Array<Record<string, unknown>>)[0]!.extra = "merged by the executor";
      assert.notEqual(a!.body, b!.body);
      assert.notEqual(b!.body, c!.body);
      assert.deepEqual(b!.body, { data: { orders: [{ id: "1" }] } }, keepText ? "copy from text" : "copy from snapshot");
    }
  });

  it("hands every caller that never writes into the answer one body, marked shared, which no caller that may write is given", async () => {
    for (const keepText of [true, false]) {
      for (const accepterFirst of [true, false]) {
        const t = heldTransport(() => ok({ orders: [{ id: "1" }] }, keepText));
        const call = dedupLayer()(t.call);
        const order = accepterFirst ? [true, false, true, false, true] : [false, true, false, true, true];
        const all = Promise.all(order.map((acceptsSharedAnswer) => call(request({ acceptsSharedAnswer }))));
        t.release();
        const responses = await all;
        const accepters = responses.filter((_, i) => order[i]).map((r) => r.body);
        const writers = responses.filter((_, i) => !order[i]).map((r) => r.body);
        assert.equal(t.sent.length, 1);
        assert.equal(new Set(accepters).size, 1, "every accepting caller holds the same body");
        assert.ok(isSharedAnswer(accepters[0]), "and it is marked shared");
        assert.equal(new Set([...writers, accepters[0]]).size, 1 + writers.length, "each writer has its own, and none has the shared one");
        assert.ok(writers.every((w) => !isSharedAnswer(w)));
        (writers[0]!.data!.orders as Array<Record<string, unknown>>)[0]!.extra = "merged by the fallback executor";
        assert.deepEqual(accepters[0], { data: { orders: [{ id: "1" }] } });
        assert.deepEqual(writers[1], { data: { orders: [{ id: "1" }] } });
      }
    }
  });

  it("hands a fetch nobody else waited for over unmarked, so its one holder may write into it", async () => {
    const t = heldTransport();
    const call = dedupLayer()(t.call);
    const answer = call(request({ acceptsSharedAnswer: true }));
    t.release();
    assert.equal(isSharedAnswer((await answer).body), false);
  });

  it("shares nothing once the fetch has settled: a later identical query is sent again", async () => {
    const t = heldTransport();
    const call = dedupLayer()(t.call);
    const first = call(request());
    t.release();
    await first;
    const second = call(request());
    t.release();
    await second;
    assert.equal(t.sent.length, 2);
  });

  const neverShared: Array<{ rule: string; a: Options; b: Options }> = [
    { rule: "different tokens", a: { headers: { authorization: "Bearer alice" } }, b: { headers: { authorization: "Bearer bob" } } },
    { rule: "a token and none", a: { headers: { authorization: "Bearer alice" } }, b: {} },
    { rule: "different propagated headers", a: { headers: { "accept-language": "en" } }, b: { headers: { "accept-language": "fr" } } },
    { rule: "different variables", a: { variables: { first: 1 } }, b: { variables: { first: 2 } } },
    { rule: "different query text", a: { query: "{ orders { id } }" }, b: { query: "{ orders { id status } }" } },
  ];
  for (const { rule, a, b } of neverShared) {
    it(`never shares between ${rule}`, async () => {
      const t = heldTransport();
      const call = dedupLayer()(t.call);
      const both = Promise.all([call(request(a)), call(request(b))]);
      t.release();
      await both;
      assert.equal(t.sent.length, 2);
    });
  }

  const alwaysShared: Array<{ rule: string; a: Options; b: Options }> = [
    { rule: "variables that differ only in key order", a: { variables: { a: 1, b: { x: 1, y: 2 } } }, b: { variables: { b: { y: 2, x: 1 }, a: 1 } } },
    { rule: "different request ids and trace context", a: { headers: { "x-request-id": "1", traceparent: "00-a-b-01" } }, b: { headers: { "x-request-id": "2", traceparent: "00-c-d-01" } } },
  ];
  for (const { rule, a, b } of alwaysShared) {
    it(`shares between ${rule}`, async () => {
      const t = heldTransport();
      const call = dedupLayer()(t.call);
      const both = Promise.all([call(request(a)), call(request(b))]);
      t.release();
      await both;
      assert.equal(t.sent.length, 1);
    });
  }

  const passThrough: Array<{ rule: string; o: Options }> = [
    { rule: "a mutation", o: { operationKind: "mutation", clientOperationKind: "mutation" } },
    { rule: "a query fetch in a mutation's plan (it must read that mutation's writes)", o: { clientOperationKind: "mutation" } },
    { rule: "a health check (no request context)", o: { noContext: true, clientOperationKind: undefined } },
  ];
  for (const { rule, o } of passThrough) {
    it(`never shares ${rule}`, async () => {
      const t = heldTransport();
      const call = dedupLayer()(t.call);
      const both = Promise.all([call(request(o)), call(request(o))]);
      t.release();
      await both;
      assert.equal(t.sent.length, 2);
    });
  }

  it("shares an error with every waiter", async () => {
    const t = heldTransport(() => new SubgraphFetchError("reset", "orders", "http://orders", "connection reset"));
    const call = dedupLayer()(t.call);
    const outcomes = Promise.allSettled([call(request()), call(request())]);
    t.release();
    const [a, b] = await outcomes;
    assert.equal(t.sent.length, 1);
    for (const o of [a!, b!]) {
      assert.equal(o.status, "rejected");
      assert.equal((o as PromiseRejectedResult).reason.kind, "reset");
    }
  });

  it("lets an aborted caller stop waiting without cancelling the fetch for the others", async () => {
    const t = heldTransport();
    const call = dedupLayer()(t.call);
    const leaving = new AbortController();
    const first = call(request({ signal: leaving.signal }));
    const second = call(request({ signal: new AbortController().signal }));
    leaving.abort();
    await assert.rejects(first, (e: unknown) => e instanceof SubgraphFetchError && e.kind === "aborted");
    assert.equal(t.sent[0]!.signal!.aborted, false, "the shared fetch goes on");
    t.release();
    assert.deepEqual((await second).body, { data: { orders: [{ id: "1" }] } });
    assert.equal(t.sent.length, 1);
  });

  it("cancels the shared fetch once every caller has gone, and starts afresh for the next", async () => {
    const t = heldTransport();
    const call = dedupLayer()(t.call);
    const a = new AbortController();
    const b = new AbortController();
    const outcomes = Promise.allSettled([call(request({ signal: a.signal })), call(request({ signal: b.signal }))]);
    a.abort();
    b.abort();
    await outcomes;
    assert.equal(t.sent[0]!.signal!.aborted, true);
    const next = call(request());
    t.release();
    await next;
    assert.equal(t.sent.length, 2);
  });

  it("refuses a caller whose signal is already aborted without sending", async () => {
    const t = heldTransport();
    const call = dedupLayer()(t.call);
    await assert.rejects(call(request({ signal: AbortSignal.abort() })), (e: unknown) => e instanceof SubgraphFetchError && e.kind === "aborted");
    assert.equal(t.sent.length, 0);
  });

  it("reports each fetch that joined one in flight", async () => {
    const t = heldTransport();
    const shared: string[] = [];
    const call = dedupLayer({ shared: (s) => shared.push(s) })(t.call);
    const all = Promise.all([call(request()), call(request()), call(request())]);
    t.release();
    await all;
    assert.deepEqual(shared, ["orders", "orders"]);
  });

  it("hands the transport the body it keyed on, so it is serialized once", async () => {
    const t = heldTransport();
    const call = dedupLayer()(t.call);
    const r = call(request({ variables: { b: 1, a: 2 } }));
    t.release();
    await r;
    assert.equal(t.sent[0]!.bodyText, '{"query":"{ orders { id } }","variables":{"a":2,"b":1}}');
  });
});

describe("the dedup key", () => {
  it("holds the subgraph, the headers that can change the answer and the body", () => {
    const req = request({ headers: { authorization: "Bearer t", "x-request-id": "r1", "x-forwarded-for": "10.0.0.1" } });
    const key = keyOf(req, serializeBody(req.body));
    assert.match(key, /^orders\n/);
    assert.match(key, /authorization:Bearer t/);
    assert.doesNotMatch(key, /x-request-id|x-forwarded-for/);
    assert.match(key, /\{ orders \{ id \} \}/);
  });

  it("serializes representations as the executor built them and sorts every other variable's keys", () => {
    const body = { query: "q", variables: { representations: [{ __typename: "T", z: 1, a: 2 }], filter: { z: 1, a: 2 } } };
    assert.equal(serializeBody(body), '{"query":"q","variables":{"filter":{"a":2,"z":1},"representations":[{"__typename":"T","z":1,"a":2}]}}');
    assert.deepEqual(JSON.parse(serializeBody(body)), body);
  });
});
