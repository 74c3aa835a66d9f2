/**
 * GraphQL over HTTP (the spec graphql-http audits): every MUST and SHOULD holds with the default
 * configuration, and every audit, the MAYs too, once CSRF prevention is off (it refuses the plain
 * GETs some MAY audits send). Legacy `application/json` clients get request errors in a 200; the
 * spec's own media type keeps the 4xx.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { auditServer } from "graphql-http";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

let subgraphs: TestSubgraphs;
let gateway: TestGateway;
let permissive: TestGateway;

before(async () => {
  subgraphs = await startTestSubgraphs();
  const routing = { ...subgraphs.routing, all: { healthCheck: { enabled: false } } };
  gateway = await startTestGateway({ subgraphs: routing });
  permissive = await startTestGateway({ subgraphs: routing, server: { csrfPrevention: false } });
});
after(async () => {
  await gateway?.stop();
  await permissive?.stop();
  await subgraphs?.close();
});

const failures = (results: Awaited<ReturnType<typeof auditServer>>, statuses: readonly string[]) =>
  results.filter((r) => statuses.includes(r.status)).map((r) => `${r.status} ${r.name}: ${"reason" in r ? r.reason : ""}`);

async function post(url: string, accept: string, body: unknown) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept }, body: JSON.stringify(body) });
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

describe("GraphQL over HTTP", () => {
  it("passes every MUST and SHOULD audit of graphql-http with the default configuration", async () => {
    const results = await auditServer({ url: gateway.url });
    assert.ok(results.length > 50, `only ${results.length} audits ran`);
    assert.deepEqual(failures(results, ["error", "warn"]), []);
  });

  it("passes every audit, the MAYs included, with CSRF prevention off", async () => {
    const results = await auditServer({ url: permissive.url });
    assert.deepEqual(failures(results, ["error", "warn", "notice"]), []);
  });

  const requestErrors = [
    { name: "a document that does not parse", body: { query: "{ me { " }, code: "GRAPHQL_PARSE_FAILED" },
    { name: "a document that fails validation", body: { query: "{ nope }" }, code: "GRAPHQL_VALIDATION_FAILED" },
    { name: "variables that fail coercion", body: { query: "query($n: Int) { orders(first: $n) { totalCount } }", variables: { n: "ten" } }, code: "BAD_USER_INPUT" },
  ];
  for (const c of requestErrors) {
    it(`answers ${c.name} with 200 under Accept: application/json and 400 under application/graphql-response+json`, async () => {
      const legacy = await post(gateway.url, "application/json", c.body);
      assert.equal(legacy.status, 200);
      assert.match(legacy.type, /^application\/json/);
      assert.equal(legacy.body.errors?.[0]?.extensions?.code, c.code);
      assert.equal(legacy.body.data, undefined, "a request error has no data entry");
      const modern = await post(gateway.url, "application/graphql-response+json", c.body);
      assert.equal(modern.status, 400);
      assert.match(modern.type, /^application\/graphql-response\+json/);
      assert.equal(modern.body.errors?.[0]?.extensions?.code, c.code);
    });
  }

  it("answers every introspection field the schema lists, __Type.isOneOf included, with 200", async () => {
    const r = await post(gateway.url, "application/graphql-response+json", { query: `{ __type(name: "Order") { name isOneOf } }` });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { data: { __type: { name: "Order", isOneOf: null } } }, "isOneOf is null for object types");
  });
});
