/**
 * REST endpoints of trusted operations (gateway/src/rest/), against the real gateway and the
 * real subgraphs, with the demo manifest gateway/operations.json: variables from the path, the
 * query string and the JSON body, with a 400 naming a missing or wrong parameter; the same
 * pipeline as /graphql (authentication, authorization, rate limits, access log); ETag and 304;
 * statuses and problem bodies; the OpenAPI 3.1 document, checked by an OpenAPI validator.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { postGraphQL, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { tokensFor } from "../helpers/subgraphs.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

const MANIFEST = "gateway/operations.json";
const roomy = { capacity: 100_000, refillPerSecond: 100_000 };

let subgraphs: TestSubgraphs;
let gateway: TestGateway;
let throttled: TestGateway;
let alice: string;
let bob: string;
let aliceOrder: string;

before(async () => {
  subgraphs = await startTestSubgraphs();
  const base = { subgraphs: { ...subgraphs.routing, all: { healthCheck: { enabled: false } } }, auth: demoAuth(subgraphs), operations: { persisted: { manifest: MANIFEST, mode: "allow" as const } } };
  gateway = await startTestGateway({ ...base, limits: { tiers: { anonymous: roomy, customer: roomy, partner: roomy, admin: roomy } } }, { captureLogs: true });
  throttled = await startTestGateway({ ...base, limits: { tiers: { anonymous: { capacity: 2, refillPerSecond: 0.001 }, customer: roomy, partner: roomy, admin: roomy } } });
  ({ alice, bob } = await tokensFor(subgraphs.auth.url, ["alice", "bob"]));
  const mine = await postGraphQL(gateway.url, "{ orders(first: 1) { edges { node { id } } } }", undefined, { authorization: `Bearer ${alice}` });
  aliceOrder = (mine.body.data as any).orders.edges[0].node.id;
});
after(async () => {
  await gateway?.stop();
  await throttled?.stop();
  await subgraphs?.close();
});

const api = (g: TestGateway, path: string) => g.url.replace(/\/graphql$/, path);

async function call(g: TestGateway, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(api(g, path), {
    method,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as any) : undefined };
}

describe("REST endpoints of trusted operations", () => {
  it("answers GET /api/me with the one root field's value, through authentication", async () => {
    const r = await call(gateway, "GET", "/api/me", { token: alice });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.id, "u1");
    assert.equal(typeof r.body.email, "string");
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
  });

  it("fills a path parameter and joins every subgraph the operation reaches", async () => {
    const r = await call(gateway, "GET", `/api/orders/${aliceOrder}`, { token: alice });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.id, aliceOrder);
    assert.ok(Array.isArray(r.body.items) && r.body.items.length > 0);
    assert.ok("delivery" in r.body && "payment" in r.body);
  });

  it("converts query-string parameters by their declared types and refuses a wrong or unknown one naming it", async () => {
    const ok = await call(gateway, "GET", "/api/orders?first=2", { token: alice });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.edges.length, 2);
    const wrong = await call(gateway, "GET", "/api/orders?first=two", { token: alice });
    assert.equal(wrong.status, 400);
    assert.match(wrong.headers.get("content-type") ?? "", /^application\/problem\+json/);
    assert.equal(wrong.body.code, "BAD_USER_INPUT");
    assert.match(wrong.body.detail, /"first" must be an integer/);
    const unknown = await call(gateway, "GET", "/api/orders?frist=2", { token: alice });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.detail, /Unknown query parameter "frist"/);
  });

  it("sends an ETag and answers If-None-Match with 304 and no body", async () => {
    const first = await call(gateway, "GET", `/api/orders/${aliceOrder}`, { token: alice });
    const etag = first.headers.get("etag");
    assert.ok(etag, "an ETag");
    assert.equal(first.headers.get("cache-control"), "private, no-cache");
    const again = await call(gateway, "GET", `/api/orders/${aliceOrder}`, { token: alice, headers: { "if-none-match": etag! } });
    assert.equal(again.status, 304);
    assert.equal(again.body, undefined);
    const changed = await call(gateway, "GET", `/api/orders/${aliceOrder}`, { token: alice, headers: { "if-none-match": '"something-else"' } });
    assert.equal(changed.status, 200);
  });

  it("compresses a large GET answer for a client that accepts it, with the same ETag and body as uncompressed", async () => {
    const plain = await call(gateway, "GET", "/api/orders?first=20", { token: alice, headers: { "accept-encoding": "identity" } });
    const zipped = await call(gateway, "GET", "/api/orders?first=20", { token: alice, headers: { "accept-encoding": "gzip" } });
    assert.equal(plain.status, 200);
    assert.ok(JSON.stringify(plain.body).length >= 1024, "large enough to compress");
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal(zipped.headers.get("content-encoding"), "gzip");
    assert.match(String(zipped.headers.get("vary")), /Accept-Encoding/);
    assert.equal(zipped.headers.get("etag"), plain.headers.get("etag"));
    assert.deepEqual(zipped.body, plain.body);
  });

  it("answers 401 to an anonymous caller and 403 or 404 to another customer, with a problem body carrying the code", async () => {
    const anonymous = await call(gateway, "GET", "/api/orders");
    assert.equal(anonymous.status, 401, JSON.stringify(anonymous.body));
    assert.equal(anonymous.headers.get("www-authenticate"), "Bearer");
    assert.equal(anonymous.body.status, 401);
    assert.ok(anonymous.body.code, "the GraphQL code");
    assert.ok(anonymous.body.requestId, "the request id");
    const other = await call(gateway, "GET", `/api/orders/${aliceOrder}`, { token: bob });
    assert.ok(other.status === 403 || other.status === 404, `status ${other.status}: ${JSON.stringify(other.body)}`);
  });

  it("takes a mutation's variables from the path and the JSON body, refuses a missing one naming it, and stays idempotent", async () => {
    const { data } = (await postGraphQL(gateway.url, `mutation { placeOrder(input: { items: [{ sku: "SKU-KETTLE", quantity: 1 }] }) { id } }`, undefined, { authorization: `Bearer ${alice}` })).body as any;
    const orderId = data?.placeOrder?.id;
    assert.ok(orderId, "placed an order to pay");
    const missing = await call(gateway, "POST", `/api/orders/${orderId}/pay`, { token: alice, body: {} });
    assert.equal(missing.status, 400);
    assert.match(missing.body.detail, /Missing required parameter "idempotencyKey"/);
    const paid = await call(gateway, "POST", `/api/orders/${orderId}/pay`, { token: alice, body: { idempotencyKey: `rest-${orderId}` } });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    const again = await call(gateway, "POST", `/api/orders/${orderId}/pay`, { token: alice, body: { idempotencyKey: `rest-${orderId}` } });
    assert.equal(again.body.id, paid.body.id, "the same key returns the same payment");
    const badField = await call(gateway, "POST", `/api/orders/${orderId}/pay`, { token: alice, body: { idempotencyKey: "k", amount: 1 } });
    assert.equal(badField.status, 400);
    assert.match(badField.body.detail, /Unknown field "amount"/);
  });

  it("answers an unknown path with 404 and a known path's other method with 405 and Allow", async () => {
    const nope = await call(gateway, "GET", "/api/nothing-here");
    assert.equal(nope.status, 404);
    assert.equal(nope.body.code, "NOT_FOUND");
    const method = await call(gateway, "DELETE", `/api/orders/${aliceOrder}`, { token: alice });
    assert.equal(method.status, 405);
    assert.equal(method.headers.get("allow"), "GET");
  });

  it("applies the rate limits of /graphql: 429 with Retry-After before any subgraph call", async () => {
    let last;
    for (let i = 0; i < 6; i++) {
      last = await call(throttled, "GET", "/api/me");
      if (last.status === 429) break;
    }
    assert.equal(last!.status, 429, JSON.stringify(last!.body));
    assert.equal(last!.body.code, "RATE_LIMITED");
    assert.ok(Number(last!.headers.get("retry-after")) > 0);
  });

  it("writes an access-log line per endpoint call, with the operation's name", async () => {
    await call(gateway, "GET", "/api/me", { token: alice });
    const lines = gateway.logs.filter((l) => l.msg === "request completed" && l.path === "/api/me");
    assert.ok(lines.length > 0);
    assert.equal(lines.at(-1)!.operationName, "Me");
  });

  it("serves an OpenAPI 3.1 document of every endpoint that an OpenAPI validator accepts", async () => {
    const r = await call(gateway, "GET", "/api/openapi.json");
    assert.equal(r.status, 200);
    const result = await new Validator().validate(r.body);
    assert.equal(result.valid, true, String(JSON.stringify(result.errors)).slice(0, 2000));
    assert.equal(r.body.openapi, "3.1.0");
    assert.deepEqual(Object.keys(r.body.paths).sort(), ["/api/charges", "/api/me", "/api/orders", "/api/orders/{id}", "/api/orders/{orderId}/pay"]);
    const order = r.body.paths["/api/orders/{id}"].get;
    assert.deepEqual(order.parameters, [{ name: "id", in: "path", required: true, schema: { type: "string" } }]);
    const schema = order.responses["200"].content["application/json"].schema;
    assert.ok(schema.properties.items && schema.properties.delivery, JSON.stringify(schema).slice(0, 400));
    const pay = r.body.paths["/api/orders/{orderId}/pay"].post;
    assert.deepEqual(pay.requestBody.content["application/json"].schema.required, ["idempotencyKey"]);
    assert.deepEqual(pay.requestBody.content["application/json"].schema.properties.method.enum.slice(-1), [null]);
  });

  it("refuses at start an endpoint whose path names a parameter the operation does not declare", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-rest-"));
    const manifest = join(dir, "manifest.json");
    writeFileSync(manifest, JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id: "typo", body: "query O($id: ID!) { order(id: $id) { id } }", endpoint: { method: "GET", path: "/api/orders/{orderId}" } }] }));
    await assert.rejects(
      startTestGateway({ subgraphs: subgraphs.routing, operations: { persisted: { manifest } } }),
      /operation "typo": path parameter \{orderId\} is not a variable of the operation/,
    );
  });
});
