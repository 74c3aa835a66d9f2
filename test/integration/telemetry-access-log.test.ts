/**
 * The access log: exactly one JSON line per request, written when the response finishes, with
 * what an operator needs to find and explain the request, and never a credential.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { postGraphQL } from "../helpers/gateway.ts";
import { CROSS_SERVICE_QUERY, loginThroughGateway, startObservedSystem, type ObservedSystem } from "../helpers/observed-system.ts";
import { DEMO_PASSWORD } from "../helpers/subgraphs.ts";

let system: ObservedSystem;
let token: string;

before(async () => {
  system = await startObservedSystem({}, { captureLogs: true });
  token = await loginThroughGateway(system.gateway.url);
});
after(() => system.close());

/**
 * The access lines of one request id. A line is written when the server sees the response close,
 * which may be just after the client has read it: wait for the first line, then a little longer
 * so a second line, if one were written, would be seen too.
 */
async function accessLines(requestId: string) {
  const matching = () => system.gateway.logs.filter((l) => l.msg === "request completed" && l.requestId === requestId);
  for (let waited = 0; matching().length === 0 && waited < 2_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 30));
  return matching();
}

describe("the access log with variables turned on", () => {
  let verbose: ObservedSystem;
  before(async () => {
    verbose = await startObservedSystem({ telemetry: { accessLog: { includeVariables: true } } }, { captureLogs: true });
  });
  after(() => verbose.close());

  it("redacts a password by the argument it feeds, whatever the client names the variable, and never logs inline literals", async () => {
    await postGraphQL(
      verbose.gateway.url,
      `mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
      { e: "alice@example.com", p: DEMO_PASSWORD },
      { "x-request-id": "req-verbose-1" },
    );
    await postGraphQL(verbose.gateway.url, `mutation { login(email: "bob@example.com", password: "${DEMO_PASSWORD}") { accessToken } }`, undefined, { "x-request-id": "req-verbose-2" });
    const lines = () => verbose.gateway.logs.filter((l) => l.msg === "request completed" && String(l.requestId).startsWith("req-verbose-"));
    for (let waited = 0; lines().length < 2 && waited < 2_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    const first = lines().find((l) => l.requestId === "req-verbose-1");
    assert.deepEqual(first?.variables, { e: "alice@example.com", p: "[redacted]" });
    assert.ok(!JSON.stringify(verbose.gateway.logs).includes(DEMO_PASSWORD), "the password reached the log");
  });
});

describe("the access log", () => {
  it("writes exactly one line per request with operation, consumer, client, status, error codes, duration and every subgraph fetch", async () => {
    const result = await postGraphQL(system.gateway.url, CROSS_SERVICE_QUERY, undefined, {
      authorization: `Bearer ${token}`,
      "x-request-id": "req-access-1",
      "apollographql-client-name": "web",
      "apollographql-client-version": "1.2.3",
    });
    assert.equal(result.status, 200);
    const lines = await accessLines("req-access-1");
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.equal(line.level, "info");
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(
      { operationName: line.operationName, operationType: line.operationType, consumerId: line.consumerId, client: line.client, status: line.status, path: line.path },
      { operationName: "MyOrders", operationType: "query", consumerId: "u1", client: { name: "web", version: "1.2.3" }, status: 200, path: "/graphql" },
    );
    assert.deepEqual(line.errorCodes, []);
    assert.equal(typeof line.durationMs, "number");
    const fetches = line.fetches as Array<{ subgraph: string; instance: string; status: number; ms: number }>;
    assert.deepEqual([...new Set(fetches.map((f) => f.subgraph))].sort(), ["auth", "delivery", "orders", "payments"]);
    for (const f of fetches) {
      assert.equal(f.status, 200);
      assert.equal(f.instance, system.subgraphs.routing[f.subgraph as "auth"].url);
      assert.equal(typeof f.ms, "number");
    }
  });

  it("never writes the token, the password or a cookie, and writes no variables by default", async () => {
    await postGraphQL(
      system.gateway.url,
      `mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }`,
      { e: "alice@example.com", p: DEMO_PASSWORD },
      { "x-request-id": "req-access-2", cookie: "session=cookie-secret-value", authorization: `Bearer ${token}` },
    );
    const [line] = await accessLines("req-access-2");
    assert.equal(line?.variables, undefined);
    const everything = JSON.stringify(system.gateway.logs);
    assert.ok(!everything.includes(DEMO_PASSWORD), "the password reached the log");
    assert.ok(!everything.includes(token), "the token reached the log");
    assert.ok(!everything.includes("cookie-secret-value"), "the cookie reached the log");
  });

  it("logs a request refused at the edge, with its error code and no operation", async () => {
    const res = await fetch(system.gateway.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", "x-request-id": "req-access-3" }, body: "{not json" });
    assert.equal(res.status, 400);
    await res.text();
    const lines = await accessLines("req-access-3");
    assert.equal(lines.length, 1);
    assert.deepEqual(
      { status: lines[0]!.status, errorCodes: lines[0]!.errorCodes, operationName: lines[0]!.operationName, fetches: lines[0]!.fetches },
      { status: 400, errorCodes: ["INVALID_JSON"], operationName: null, fetches: [] },
    );
  });

  it("lists the GraphQL error codes of the response", async () => {
    await postGraphQL(system.gateway.url, "{ noSuchField }", undefined, { "x-request-id": "req-access-4" });
    const [line] = await accessLines("req-access-4");
    assert.deepEqual(line?.errorCodes, ["GRAPHQL_VALIDATION_FAILED"]);
  });

  it("lists the errors authorization adds for removed fields, which come after telemetry's own hook", async () => {
    const result = await postGraphQL(system.gateway.url, '{ user(id: "u1") { name } }', undefined, { "x-request-id": "req-access-6" });
    assert.equal(result.body.errors?.[0]?.extensions?.code, "UNAUTHORIZED_FIELD_OR_TYPE");
    const [line] = await accessLines("req-access-6");
    assert.deepEqual(line?.errorCodes, ["UNAUTHORIZED_FIELD_OR_TYPE"]);
  });

  it("logs health probes at debug so they stay out of the info stream", async () => {
    await (await fetch(system.gateway.url.replace("/graphql", "/healthz"), { headers: { "x-request-id": "req-access-5" } })).text();
    const lines = await accessLines("req-access-5");
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, "debug");
  });
});
