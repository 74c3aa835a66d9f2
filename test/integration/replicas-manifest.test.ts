/**
 * A safelist manifest reload reaches every replica: three gateway processes (the compiled CLI)
 * read one manifest file, two of them watching it and one told by SIGHUP (watching off), as an
 * operator would. After the file is rewritten every replica serves the operation it adds and
 * refuses the one it removes, within a bounded wait; a bad file afterwards changes nothing on
 * any of them, and each counts the refusal.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, Replica, writeReplicaConfig } from "../helpers/replicas.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

const LISTED = "query Listed { __typename }";
const REMOVED = "query Removed { __typename }";
const ADDED = "query Added { __typename }";

let subgraphs: TestSubgraphs;
let dir: string;
let manifestFile: string;
let replicas: Replica[] = [];

const writeManifest = (operations: Record<string, string>) =>
  writeFileSync(manifestFile, JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: Object.entries(operations).map(([id, body]) => ({ id, name: id, type: "query", body })) }));

/** What one replica does with an operation, by id and by its text: "ok" or the refusal's code. */
async function verdicts(replica: Replica, id: string, query: string): Promise<[string, string]> {
  const ask = async (body: Record<string, unknown>) => {
    const res = await fetch(replica.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json" }, body: JSON.stringify(body) });
    const json = (await res.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    return res.status === 200 && json.data && !json.errors ? "ok" : String(json.errors?.[0]?.extensions?.code);
  };
  return [await ask({ documentId: id }), await ask({ query })];
}

const everyReplica = async (id: string, query: string) => Promise.all(replicas.map((r) => verdicts(r, id, query)));
const metric = async (replica: Replica, pattern: RegExp) => {
  const text = await (await fetch(replica.url.replace("/graphql", "/metrics"))).text();
  return Number(text.match(pattern)?.[1] ?? 0);
};

before(async () => {
  assert.ok(existsSync("dist/gateway/src/main.js"), "run `npm run build` first (`npm test` does)");
  subgraphs = await startTestSubgraphs();
  dir = mkdtempSync(join(tmpdir(), "replicas-manifest-"));
  manifestFile = join(dir, "manifest.json");
  writeManifest({ listed: LISTED, removed: REMOVED });
  const { policies: _functions, ...auth } = demoAuth(subgraphs);
  const config = (watchManifest: boolean) => ({
    server: { host: "127.0.0.1" },
    supergraph: { watch: false },
    subgraphs: subgraphs.routing,
    readiness: { checkSubgraphs: false },
    auth,
    operations: { persisted: { manifest: manifestFile, mode: "safelist", watchManifest, manifestPollIntervalMs: 200 } },
    telemetry: { metrics: { processMetrics: false }, accessLog: { enabled: false } },
  });
  const watching = writeReplicaConfig(mkdtempSync(join(dir, "watching-")), config(true));
  const signalled = writeReplicaConfig(mkdtempSync(join(dir, "signalled-")), config(false));
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  replicas = [
    new Replica("replica-A (watches)", ports[0]!, watching, {}),
    new Replica("replica-B (watches)", ports[1]!, watching, {}),
    new Replica("replica-C (SIGHUP)", ports[2]!, signalled, {}),
  ];
  await Promise.all(replicas.map((r) => r.start()));
});

after(async () => {
  await Promise.all(replicas.map((r) => r.terminate()));
  await subgraphs?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a safelist manifest reload across replicas", () => {
  it("reaches every replica: each serves the added operation and refuses the removed one within a bounded wait", async () => {
    assert.deepEqual(await everyReplica("removed", REMOVED), [["ok", "ok"], ["ok", "ok"], ["ok", "ok"]]);
    assert.deepEqual(await everyReplica("added", ADDED), replicas.map(() => ["PERSISTED_QUERY_NOT_FOUND", "OPERATION_NOT_IN_SAFELIST"]));

    const started = Date.now();
    writeManifest({ listed: LISTED, added: ADDED });
    replicas[2]!.hangUp();
    let removed: Array<[string, string]> = [];
    let added: Array<[string, string]> = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      [removed, added] = await Promise.all([everyReplica("removed", REMOVED), everyReplica("added", ADDED)]);
      if (removed.every(([i, t]) => i !== "ok" && t !== "ok") && added.every(([i, t]) => i === "ok" && t === "ok")) break;
    }
    console.log(`manifest reload reached 3 replicas (2 watching, 1 by SIGHUP) in ${Date.now() - started} ms`);
    assert.deepEqual(removed, replicas.map(() => ["PERSISTED_QUERY_NOT_FOUND", "OPERATION_NOT_IN_SAFELIST"]), "the removed operation is refused everywhere");
    assert.deepEqual(added, replicas.map(() => ["ok", "ok"]), "the added operation is served everywhere");
    assert.deepEqual(await everyReplica("listed", LISTED), replicas.map(() => ["ok", "ok"]), "the kept one still runs");
  });

  it("keeps every replica on the manifest in service when the file turns bad, each counting the refusal", async () => {
    writeFileSync(manifestFile, '{ "operations": [{ "id": "broken", "body": "query {" }] }');
    replicas[2]!.hangUp();
    const refused = /gateway_manifest_reloads_total\{result="refused"\} (\d+)/;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const counts = await Promise.all(replicas.map((r) => metric(r, refused)));
      if (counts.every((n) => n >= 1)) break;
    }
    assert.deepEqual(await Promise.all(replicas.map((r) => metric(r, refused).then((n) => n >= 1))), [true, true, true], "every replica refused the file");
    assert.deepEqual(await everyReplica("added", ADDED), replicas.map(() => ["ok", "ok"]));
    assert.deepEqual(await everyReplica("broken", "query {"), replicas.map(() => ["PERSISTED_QUERY_NOT_FOUND", "OPERATION_NOT_IN_SAFELIST"]));
    assert.deepEqual(await Promise.all(replicas.map((r) => metric(r, /gateway_manifest_operations (\d+)/))), [2, 2, 2]);
  });
});
