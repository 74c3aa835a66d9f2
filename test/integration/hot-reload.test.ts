/**
 * Editing schema/supergraph.graphql swaps the schema under live traffic with no failed
 * request; an invalid file is refused with a logged reason and the old schema stays.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { gql } from "../helpers/subgraphs.ts";

let system: TestSystem;
const file = join(mkdtempSync(join(tmpdir(), "reload-")), "supergraph.graphql");
const original = readFileSync("schema/supergraph.graphql", "utf8");

before(async () => {
  copyFileSync("schema/supergraph.graphql", file);
  system = await startTestSystem({ supergraph: { path: file, watch: true, pollIntervalMs: 50 } }, { captureLogs: true });
});
after(() => system.close());

const queryFields = async (): Promise<string[]> => {
  const r = await gql(system.gateway.url, `{ __type(name: "Query") { fields { name } } }`);
  return (r.data as any).__type.fields.map((f: { name: string }) => f.name);
};

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error("condition not met in time");
}

/** The supergraph with one more Query field, owned by the auth subgraph. */
const withMarker = original.replace(/type Query\n((?:\s+@join__type\(graph: \w+\)\n)+)\{\n/, (m) => `${m}  reloadMarker: String @join__field(graph: AUTH)\n`);

describe("supergraph hot reload", () => {
  it("swaps schemas under a stream of requests with none failing", async () => {
    assert.notEqual(withMarker, original, "the test edit applies");
    let stop = false;
    const failures: string[] = [];
    let sent = 0;
    const worker = async () => {
      while (!stop && sent < 2_000) {
        sent++;
        const r = await gql(system.gateway.url, `{ me { id } }`);
        if (r.status !== 200 || r.errors) failures.push(JSON.stringify(r.errors ?? r.status));
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    // Phases last a number of requests, not a time, so a loaded machine cannot thin the stream out.
    const atLeast = (more: number) => {
      const target = sent + more;
      return until(async () => sent >= target, 20_000);
    };
    await atLeast(20);
    writeFileSync(file, withMarker);
    await until(async () => (await queryFields()).includes("reloadMarker"));
    await atLeast(20);
    writeFileSync(file, original);
    await until(async () => !(await queryFields()).includes("reloadMarker"));
    await atLeast(20);
    stop = true;
    await Promise.all(workers);
    assert.ok(sent >= 60, `sent ${sent} requests during the swaps`);
    assert.deepEqual(failures, []);
  });

  it("keeps the old schema and logs why when the new file is invalid", async () => {
    writeFileSync(file, withMarker);
    await until(async () => (await queryFields()).includes("reloadMarker"));
    writeFileSync(file, "type Query { broken");
    await until(async () => system.gateway.logs.some((l) => String(l.msg).includes("supergraph reload refused")));
    assert.ok((await queryFields()).includes("reloadMarker"), "the last good schema still serves");
    const refused = system.gateway.logs.find((l) => String(l.msg).includes("supergraph reload refused"))!;
    assert.ok(refused.reason, "the log line carries the reason");
    const r = await gql(system.gateway.url, `{ me { id } }`);
    assert.equal(r.status, 200);
    writeFileSync(file, original);
    await until(async () => !(await queryFields()).includes("reloadMarker"));
  });
});
