/**
 * Deprecations: executions that touch a `@deprecated` field or enum value are counted per client
 * in /metrics, and `npm run schema:check -- --deprecated` lists which clients still use each
 * deprecated coordinate and when they last did, or that none did.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { gql } from "../helpers/subgraphs.ts";
import { SqliteUsageStore } from "../../gateway/src/usage/sqlite-store.ts";
import { clientHeaders, edited, schemaCheck, supergraphFile, until } from "../helpers/usage.ts";

const dir = mkdtempSync(join(tmpdir(), "usage-deprecations-"));
const storePath = join(dir, "usage.db");
const deprecatedSdl = edited("  name: String! @join__field(graph: AUTH)\n", '  name: String! @join__field(graph: AUTH) @deprecated(reason: "use displayName")\n', edited("  PAYPAL @join__enumValue(graph: PAYMENTS)\n", '  PAYPAL @join__enumValue(graph: PAYMENTS) @deprecated(reason: "no longer offered")\n'));
const supergraph = supergraphFile(dir, "supergraph.graphql", deprecatedSdl);
let system: TestSystem;

before(async () => {
  system = await startTestSystem({ supergraph: { path: supergraph }, usage: { sqlite: { path: storePath }, flushIntervalMs: 50 } });
  await gql(system.gateway.url, "query Me { me { id name } }", { headers: clientHeaders({ name: "web", version: "1.0" }) });
  await gql(system.gateway.url, "query Me { me { id name } }", { headers: clientHeaders({ name: "web", version: "1.0" }) });
  await gql(system.gateway.url, "query MyId { me { id } }", { headers: clientHeaders({ name: "ios", version: "2.0" }) });
  const store = new SqliteUsageStore(storePath);
  try {
    await until(async () => (await store.operations(0)).length === 2, 10_000, "both operations flushed");
  } finally {
    await store.close();
  }
});
after(async () => {
  await system.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("deprecated usage", () => {
  it("is counted per coordinate and client in /metrics", async () => {
    const text = await (await fetch(system.gateway.metricsUrl!)).text();
    assert.match(text, /gateway_deprecated_usage_total\{coordinate="User\.name",client_name="web"\} 2/);
    assert.doesNotMatch(text, /gateway_deprecated_usage_total\{[^}]*client_name="ios"/);
  });

  it("is listed by schema:check --deprecated with the clients still using each coordinate and the ones nobody uses", async () => {
    const { code, output } = await schemaCheck({ supergraph, store: storePath, deprecated: true });
    assert.equal(code, 0, output);
    assert.match(output, /User\.name  \(use displayName\)\n  - web 1\.0\s+2×  last seen \d{4}-/);
    assert.match(output, /PaymentMethod\.PAYPAL  \(no longer offered\)\n  no client used it in the window: it can be removed/);
    const json = JSON.parse((await schemaCheck({ supergraph, store: storePath, deprecated: true, json: true })).output) as { deprecated: Array<{ coordinate: string; clients: Array<{ name: string }> }> };
    const listed = new Map(json.deprecated.map((d) => [d.coordinate, d.clients.map((c) => c.name)]));
    assert.deepEqual(listed.get("PaymentMethod.PAYPAL"), []);
    assert.deepEqual(listed.get("User.name"), ["web"]);
    assert.deepEqual([...listed.values()].filter((clients) => clients.length > 0), [["web"]], "only User.name has a client");
  });
});
