/**
 * What a client may send, and what it gets back when it sends something wrong: limits,
 * persisted operations, batching, deadlines, production mode, and upstream details kept inside.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startDelayProxy, type DelayProxy } from "../helpers/delay-proxy.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { gql, codes } from "../helpers/subgraphs.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import type { GatewayConfigInput } from "../../gateway/src/config/schema.ts";

let subgraphs: TestSubgraphs;
let slowAuth: DelayProxy;
const gateways: TestGateway[] = [];

before(async () => {
  subgraphs = await startTestSubgraphs();
  slowAuth = await startDelayProxy(subgraphs.auth.url, 0);
});
after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await slowAuth.close();
  await subgraphs.close();
});

async function gateway(config: GatewayConfigInput = {}): Promise<TestGateway> {
  // No active health checks: the proxy's counters should see client traffic only.
  const g = await startTestGateway({
    ...config,
    subgraphs: { ...subgraphs.routing, auth: { url: slowAuth.url }, ...config.subgraphs, all: { healthCheck: { enabled: false } } },
  });
  gateways.push(g);
  return g;
}

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};

describe("operation limits", () => {
  it("refuses a document deeper than the limit with MAX_DEPTH_EXCEEDED before any subgraph call", async () => {
    const g = await gateway({ operations: { limits: { maxDepth: 3 } } });
    const before = slowAuth.received;
    const r = await gql(g.url, `{ me { orders(first: 1) { edges { node { id } } } } }`);
    assert.equal(r.status, 400);
    assert.deepEqual(codes(r), ["MAX_DEPTH_EXCEEDED"]);
    assert.equal(slowAuth.received, before);
  });

  it("refuses too many aliases, root fields and directives, each with its own code", async () => {
    const g = await gateway({ operations: { limits: { maxAliases: 1, maxRootFields: 2, maxDirectives: 1 } } });
    assert.deepEqual(codes(await gql(g.url, `{ a: __typename b: __typename }`)), ["MAX_ALIASES_EXCEEDED"]);
    assert.deepEqual(codes(await gql(g.url, `{ __typename me { id } x: __typename }`)), ["MAX_ROOT_FIELDS_EXCEEDED"]);
    assert.deepEqual(codes(await gql(g.url, `{ __typename @skip(if: false) me @include(if: true) { id } }`)), ["MAX_DIRECTIVES_EXCEEDED"]);
  });

  it("refuses a document with too many tokens with MAX_TOKENS_EXCEEDED", async () => {
    const g = await gateway({ operations: { limits: { maxTokens: 100 } } });
    const r = await gql(g.url, `{ ${"__typename ".repeat(200)} }`);
    assert.equal(r.status, 400);
    assert.deepEqual(codes(r), ["MAX_TOKENS_EXCEEDED"]);
  });
});

describe("operations that cannot run are client faults", () => {
  it("answers an unknown operationName with 400 OPERATION_RESOLUTION_FAILURE", async () => {
    const g = await gateway();
    const r = await post(g.url, { query: "query A { __typename } query B { __typename }", operationName: "C" });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors[0].extensions.code, "OPERATION_RESOLUTION_FAILURE");
    assert.match(r.body.errors[0].message, /"C"/);
  });

  it("answers several named operations without operationName with 400", async () => {
    const g = await gateway();
    const r = await post(g.url, { query: "query A { __typename } query B { __typename }" });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors[0].extensions.code, "OPERATION_RESOLUTION_FAILURE");
  });

  it("answers a subscription sent as a plain POST with 400 SUBSCRIPTION_OVER_HTTP", async () => {
    const g = await gateway();
    const r = await post(g.url, { query: 'subscription { orderDeliveryUpdated(orderId: "o1") { status } }' });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors[0].extensions.code, "SUBSCRIPTION_OVER_HTTP");
  });

  it("answers variables of the wrong type or out of range with 400 BAD_USER_INPUT", async () => {
    const g = await gateway();
    const q = "query($n: Int) { orders(first: $n) { totalCount } }";
    for (const n of ["ten", 2 ** 53, 1.5]) {
      const r = await post(g.url, { query: q, variables: { n } });
      assert.equal(r.status, 400, String(n));
      assert.equal(r.body.errors[0].extensions.code, "BAD_USER_INPUT");
    }
  });

  it("puts the request id in every error", async () => {
    const g = await gateway();
    const res = await fetch(g.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", "x-request-id": "rid-42" }, body: JSON.stringify({ query: "query A { __typename } query B { __typename }" }) });
    const body = (await res.json()) as any;
    assert.equal(body.errors[0].extensions.requestId, "rid-42");
  });
});

describe("persisted operations", () => {
  const listed = "query Me { me { id } }";
  const listedId = createHash("sha256").update(listed).digest("hex");

  it("registers an automatic persisted query only when its hash matches", async () => {
    const g = await gateway();
    const query = "{ __typename }";
    const hash = createHash("sha256").update(query).digest("hex");
    const unknown = await post(g.url, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    assert.equal(unknown.body.errors[0].extensions.code, "PERSISTED_QUERY_NOT_FOUND");
    const wrong = await post(g.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.errors[0].extensions.code, "PERSISTED_QUERY_HASH_MISMATCH");
    await post(g.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    const hit = await post(g.url, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    assert.deepEqual(hit.body, { data: { __typename: "Query" } });
  });

  it("runs only manifest operations in safelist mode, by id or by body", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "pq-")), "manifest.json");
    writeFileSync(file, JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id: listedId, name: "Me", type: "query", body: listed }] }));
    const g = await gateway({ operations: { persisted: { manifest: file, mode: "safelist" } } });
    assert.deepEqual((await post(g.url, { documentId: listedId })).body, { data: { me: null } });
    assert.deepEqual((await post(g.url, { extensions: { persistedQuery: { version: 1, sha256Hash: listedId } } })).body, { data: { me: null } });
    assert.deepEqual((await post(g.url, { query: listed })).body, { data: { me: null } });
    const unlisted = await post(g.url, { query: "{ __typename }" });
    assert.equal(unlisted.status, 400);
    assert.equal(unlisted.body.errors[0].extensions.code, "OPERATION_NOT_IN_SAFELIST");
    const unknown = await post(g.url, { documentId: "not-there" });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.errors[0].extensions.code, "PERSISTED_QUERY_NOT_FOUND");
    const viaGet = await fetch(`${g.url}?documentId=${listedId}`, { headers: { "apollo-require-preflight": "1" } });
    assert.deepEqual(await viaGet.json(), { data: { me: null } });
  });
});

describe("batching", () => {
  it("refuses a batch when batching is off", async () => {
    const g = await gateway();
    const r = await post(g.url, [{ query: "{ __typename }" }]);
    assert.equal(r.status, 400);
    assert.equal(r.body.errors[0].extensions.code, "BATCHING_DISABLED");
  });

  it("runs a batch up to the limit and refuses a larger one with BATCH_TOO_LARGE", async () => {
    const g = await gateway({ operations: { batching: { enabled: true, maxOperations: 2 } } });
    const ok = await post(g.url, [{ query: "{ __typename }" }, { query: "{ me { id } }" }]);
    assert.deepEqual(ok.body, [{ data: { __typename: "Query" } }, { data: { me: null } }]);
    const big = await post(g.url, [{ query: "{ __typename }" }, { query: "{ __typename }" }, { query: "{ __typename }" }]);
    assert.equal(big.status, 400);
    assert.equal(big.body.errors[0].extensions.code, "BATCH_TOO_LARGE");
  });

  it("answers a batch element that is not an operation object on its own, and runs the others", async () => {
    const g = await gateway({ operations: { batching: { enabled: true, maxOperations: 3 } } });
    for (const element of [null, 5, [{ query: "{ __typename }" }]]) {
      const r = await post(g.url, [{ query: "{ __typename }" }, element]);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body[0], { data: { __typename: "Query" } });
      assert.equal(r.body[1].errors[0].extensions.code, "BAD_REQUEST");
      assert.match(r.body[1].errors[0].message, /Batch element 1 must be a JSON object/);
    }
  });

  it("gives each batch element its own result, a failing one among them", async () => {
    const g = await gateway({ operations: { batching: { enabled: true, maxOperations: 3 } } });
    const r = await post(g.url, [{ query: "{ __typename }" }, { query: "{ a: __typename }" }, { query: "{ nope }" }]);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body[0], { data: { __typename: "Query" } });
    assert.deepEqual(r.body[1], { data: { a: "Query" } });
    assert.equal(r.body[2].errors[0].extensions.code, "GRAPHQL_VALIDATION_FAILED");
    assert.equal(r.body[2].data, undefined);
  });

  it("says an empty batch is empty", async () => {
    const g = await gateway({ operations: { batching: { enabled: true, maxOperations: 3 } } });
    const r = await post(g.url, []);
    assert.equal(r.status, 400);
    assert.match(r.body.errors[0].message, /The batch is empty/);
  });
});

describe("deadlines and cancellation", () => {
  it("answers with REQUEST_TIMEOUT when the whole-request deadline passes", async () => {
    const g = await gateway({ operations: { requestTimeoutMs: 200 } });
    slowAuth.delayMs = 1_500;
    try {
      const r = await gql(g.url, `{ me { id } }`);
      assert.equal(r.status, 200);
      assert.deepEqual(codes(r), ["REQUEST_TIMEOUT"]);
    } finally {
      slowAuth.delayMs = 0;
    }
  });

  it("cancels the subgraph fetch when the client disconnects", async () => {
    // A proxy of its own: requests held by other tests must not land in these counters.
    const slow = await startDelayProxy(subgraphs.auth.url, 600);
    const g = await gateway({ subgraphs: { auth: { url: slow.url } } });
    try {
      const before = { forwarded: slow.forwarded, abandoned: slow.abandoned };
      const client = new AbortController();
      const pending = fetch(g.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json" }, body: JSON.stringify({ query: "{ me { id } }" }), signal: client.signal }).catch(() => "aborted");
      await sleep(150);
      client.abort();
      assert.equal(await pending, "aborted");
      await sleep(800);
      assert.equal(slow.abandoned - before.abandoned, 1, "the gateway hung up on the subgraph");
      assert.equal(slow.forwarded - before.forwarded, 0, "the subgraph never saw the request");
    } finally {
      await slow.close();
    }
  });
});

describe("modes", () => {
  it("turns off introspection, suggestions and Sandbox in production", async () => {
    const g = await gateway({ mode: "production" });
    const intro = await gql(g.url, `{ __schema { types { name } } }`);
    assert.equal(intro.status, 400);
    assert.match(intro.errors![0]!.message, /operations\.introspection/, "the refusal names our config key");
    assert.doesNotMatch(intro.errors![0]!.message, /ApolloServer/);
    const typo = await gql(g.url, `{ ordrs { totalCount } }`);
    assert.equal(typo.status, 400);
    assert.doesNotMatch(typo.errors![0]!.message, /Did you mean/);
    const page = await fetch(g.url, { headers: { accept: "text/html" } });
    assert.doesNotMatch(await page.text(), /<html/i);
  });

  it("keeps introspection, suggestions and Sandbox in development", async () => {
    const g = await gateway({ mode: "development" });
    assert.equal((await gql(g.url, `{ __schema { queryType { name } } }`)).status, 200);
    assert.match((await gql(g.url, `{ ordrs { totalCount } }`)).errors![0]!.message, /Did you mean "orders"/);
    const page = await fetch(g.url, { headers: { accept: "text/html" } });
    assert.match(await page.text(), /<html/i);
  });
});

describe("upstream details stay inside", () => {
  for (const mode of ["development", "production"] as const) {
    it(`shows SUBGRAPH_UNAVAILABLE with the subgraph's name but no address in ${mode}`, async () => {
      const g = await gateway({ mode, subgraphs: { auth: { url: "http://127.0.0.1:9/graphql" } } });
      const res = await fetch(g.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json" }, body: JSON.stringify({ query: "{ me { id } }" }) });
      const text = await res.text();
      assert.equal(res.status, 200);
      assert.doesNotMatch(text, /127\.0\.0\.1|:9\b|ECONNREFUSED|stack/);
      const body = JSON.parse(text);
      assert.equal(body.errors[0].extensions.code, "SUBGRAPH_UNAVAILABLE");
      assert.match(body.errors[0].message, /"auth"/);
      assert.ok(body.errors[0].extensions.requestId);
    });
  }
});
