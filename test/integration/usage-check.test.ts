/**
 * Usage recorded by a real gateway in front of the real subgraphs, into its SQLite store, and
 * `npm run schema:check` deciding from it which schema changes break the clients that sent those
 * operations (and the persisted operations of a manifest).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { gql } from "../helpers/subgraphs.ts";
import { SqliteUsageStore } from "../../gateway/src/usage/sqlite-store.ts";
import { clientHeaders, committedSupergraph, edits, operations, schemaCheck, supergraphFile, until } from "../helpers/usage.ts";

const dir = mkdtempSync(join(tmpdir(), "usage-check-"));
const storePath = join(dir, "usage.db");
const against = supergraphFile(dir, "committed.graphql", committedSupergraph);
let system: TestSystem;

before(async () => {
  system = await startTestSystem({ usage: { sqlite: { path: storePath }, flushIntervalMs: 50 } });
  for (const { client, query } of operations) {
    // Twice each, with different literals the second time: one signature per operation.
    await gql(system.gateway.url, query, { headers: clientHeaders(client) });
    await gql(system.gateway.url, query.replace('"1"', '"2"').replace("alice@", "bob@"), { headers: clientHeaders(client) });
  }
  const store = new SqliteUsageStore(storePath);
  try {
    await until(async () => (await store.operations(0)).reduce((n, op) => n + op.clients.reduce((m, c) => m + c.count, 0), 0) >= 6, 10_000, "six executions flushed");
  } finally {
    await store.close();
  }
});
after(async () => {
  await system.close();
  rmSync(dir, { recursive: true, force: true });
});

const check = (sdl: string, extra: Record<string, string | boolean> = {}) =>
  schemaCheck({ supergraph: supergraphFile(dir, `new-${Math.random().toString(36).slice(2)}.graphql`, sdl), against, store: storePath, ...extra });

describe("usage recording", () => {
  it("stores one signature per operation with literals stripped, its clients and the coordinates it touched, never a value", async () => {
    const store = new SqliteUsageStore(storePath);
    try {
      const recorded = await store.operations(0);
      const byName = new Map(recorded.map((op) => [op.name, op]));
      assert.deepEqual([...byName.keys()].sort(), ["Me", "Move", "SignIn"]);
      const signIn = byName.get("SignIn")!;
      assert.equal(signIn.type, "mutation");
      assert.equal(signIn.signature, 'mutation SignIn{login(email:"" password:""){accessToken}}');
      assert.deepEqual(signIn.clients.map((c) => [c.name, c.version, c.count]), [["ios", "2.1", 2]]);
      assert.ok(signIn.coordinates.includes("Mutation.login(password:)"));
      const move = byName.get("Move")!;
      assert.ok(move.coordinates.includes("DeliveryStatus.IN_TRANSIT"), "enum literals are coordinates");
      assert.ok(byName.get("Me")!.coordinates.includes("User.email"));
      assert.doesNotMatch(JSON.stringify(recorded), /alice|bob|demo-password/, "no literal value is stored");
    } finally {
      await store.close();
    }
  });
});

describe("npm run schema:check", () => {
  it("passes an unchanged schema", async () => {
    const { code, output } = await check(committedSupergraph);
    assert.equal(code, 0, output);
    assert.match(output, /0 breaking/);
  });

  it("fails a removed field one client used, naming that client and version", async () => {
    const { code, output } = await check(edits.removeUserEmail());
    assert.equal(code, 1, output);
    assert.match(output, /BREAKING\s+User\.email/);
    assert.match(output, /query Me .*web 1\.0 \(2×/);
    assert.doesNotMatch(output, /ios|android/);
  });

  it("passes a removed field nothing used, and says it was unused", async () => {
    const { code, output } = await check(edits.removeUserRoles());
    assert.equal(code, 0, output);
    assert.match(output, /BREAKING\s+User\.roles[\s\S]*unused in the window: passes/);
  });

  it("fails an argument made required that a client's operation leaves out", async () => {
    const { code, output } = await check(edits.requireNote());
    assert.equal(code, 1, output);
    assert.match(output, /Mutation\.updateDeliveryStatus\(note:\)/);
    assert.match(output, /no longer validate:\n  - mutation Move .*android 3\.0/);
  });

  it("fails an enum value removed that a client sends", async () => {
    const { code, output } = await check(edits.removeInTransit());
    assert.equal(code, 1, output);
    assert.match(output, /BREAKING\s+DeliveryStatus\.IN_TRANSIT[\s\S]*mutation Move .*android 3\.0/);
  });

  it("fails a field whose type changed under a client that reads it, though its operation still validates", async () => {
    const { code, output } = await check(edits.userNameToInt());
    assert.equal(code, 1, output);
    assert.match(output, /BREAKING\s+User\.name\s+User\.name changed type from String! to Int!/);
    assert.doesNotMatch(output, /no longer validate/);
  });

  it("fails a change that breaks a persisted operation nobody executed in the window", async () => {
    const manifest = join(dir, "manifest.json");
    writeFileSync(manifest, JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id: "roles-1", name: "Roles", type: "query", body: "query Roles { me { roles } }" }] }));
    const { code, output } = await check(edits.removeUserRoles(), { manifest });
    assert.equal(code, 1, output);
    assert.match(output, /persisted roles-1 \(Roles\)/);
    assert.match(output, /persisted operations that no longer validate:\n  - roles-1 \(Roles\)/);
  });

  it("answers in JSON with --json, the same verdict", async () => {
    const { code, output } = await check(edits.removeUserEmail(), { json: true });
    assert.equal(code, 1);
    const report = JSON.parse(output) as { passed: boolean; changes: Array<{ coordinate: string; severity: string; operations: Array<{ name: string; clients: Array<{ name: string }> }> }> };
    assert.equal(report.passed, false);
    const email = report.changes.find((c) => c.coordinate === "User.email")!;
    assert.equal(email.severity, "breaking");
    assert.deepEqual(email.operations.map((o) => [o.name, o.clients.map((c) => c.name)]), [["Me", ["web"]]]);
  });

  it("counts only operations executed inside --window", async () => {
    const since = Date.now();
    await until(() => Date.now() - since > 1_100, 5_000, "a second past the last execution");
    const { code, output } = await check(edits.removeUserEmail(), { window: "1s" });
    assert.equal(code, 0, output);
    assert.match(output, /0 operation\(s\) recorded in the last 1s/);
  });
});
