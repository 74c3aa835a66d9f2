/**
 * The reload guard: a watched supergraph change that would break an operation executed in the
 * window is held under `enforce` (the old schema keeps serving, the log, /readyz and a metric say
 * so, and a forced reload, as SIGHUP does, swaps it in), and swapped in with a warning under `warn`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { gql } from "../helpers/subgraphs.ts";
import { clientHeaders, committedSupergraph, edits, supergraphFile, until } from "../helpers/usage.ts";

const web = clientHeaders({ name: "web", version: "1.0" });
const meQuery = "query Me { me { id name email } }";

async function system(dir: string, mode: "enforce" | "warn"): Promise<{ system: TestSystem; file: string }> {
  const file = supergraphFile(dir, `supergraph-${mode}.graphql`, committedSupergraph);
  const started = await startTestSystem(
    {
      supergraph: { path: file, watch: true, pollIntervalMs: 50, reloadGuard: { mode, windowMinutes: 60 } },
      usage: { sqlite: { path: join(dir, `usage-${mode}.db`) } },
    },
    { captureLogs: true },
  );
  return { system: started, file };
}

const logged = (s: TestSystem, text: string) => s.gateway.logs.filter((l) => String(l.msg).includes(text));
/** True when the gateway's schema still has User.email (a query for it validates). */
const hasEmail = async (s: TestSystem) => {
  const r = await gql(s.gateway.url, `{ __type(name: "User") { fields { name } } }`);
  return ((r.data as any).__type.fields as Array<{ name: string }>).some((f) => f.name === "email");
};
const readyz = async (s: TestSystem) => (await fetch(s.gateway.url.replace("/graphql", "/readyz"))).json() as Promise<any>;
const metrics = async (s: TestSystem) => (await fetch(s.gateway.metricsUrl!)).text();

describe("the reload guard under enforce", () => {
  const dir = mkdtempSync(join(tmpdir(), "reload-guard-"));
  let s: TestSystem;
  let file: string;
  before(async () => ({ system: s, file } = await system(dir, "enforce")));
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the old supergraph when the new one removes a field a client used, and says which operation and client", async () => {
    await gql(s.gateway.url, meQuery, { headers: web });
    writeFileSync(file, edits.removeUserEmail());
    await until(() => logged(s, "supergraph reload held").length > 0, 10_000, "the held reload logged");
    assert.equal(await hasEmail(s), true, "the old schema still serves");
    const line = logged(s, "supergraph reload held")[0]!;
    assert.deepEqual(line.operations, [{ name: "Me", hash: (line.operations as any)[0].hash, clients: ["web 1.0"] }]);
    assert.deepEqual(line.changes, ["User.email was removed."]);

    const report = await readyz(s);
    assert.equal(report.reloadGuard.state, "holding");
    assert.equal(report.reloadGuard.held.operations[0].name, "Me");
    assert.match(await metrics(s), /gateway_supergraph_reload_held 1/);
    assert.match(await metrics(s), /gateway_supergraph_reload_guard_total\{outcome="held"\} 1/);
  });

  it("swaps in a change that breaks nothing recently executed", async () => {
    writeFileSync(file, edits.removeUserRoles());
    await until(async () => (await readyz(s)).reloadGuard.state === "clear", 10_000, "the guard cleared");
    assert.equal(logged(s, "supergraph reloaded").length, 1);
  });

  it("swaps the held change in when a reload is forced (SIGHUP)", async () => {
    writeFileSync(file, edits.removeUserEmail());
    await until(() => logged(s, "supergraph reload held").length >= 2, 10_000, "held again");
    assert.equal(s.gateway.supergraph.reload("signal", { force: true }), true);
    assert.equal(await hasEmail(s), false, "the new schema serves");
    assert.equal(logged(s, "supergraph reload forced").length, 1);
    assert.equal((await readyz(s)).reloadGuard.state, "clear");
    assert.match(await metrics(s), /gateway_supergraph_reload_held 0/);
  });
});

describe("the reload guard under warn", () => {
  const dir = mkdtempSync(join(tmpdir(), "reload-guard-warn-"));
  let s: TestSystem;
  let file: string;
  before(async () => ({ system: s, file } = await system(dir, "warn")));
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("swaps the new supergraph in and logs the operations and clients it breaks", async () => {
    await gql(s.gateway.url, meQuery, { headers: web });
    writeFileSync(file, edits.removeUserEmail());
    await until(async () => !(await hasEmail(s)), 10_000, "the new schema serving");
    const line = logged(s, "supergraph reloaded although it breaks")[0]!;
    assert.equal((line.operations as any)[0].clients[0], "web 1.0");
    assert.equal((await readyz(s)).reloadGuard.state, "clear");
  });
});
