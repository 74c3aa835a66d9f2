/**
 * `npm run schema:check` as CI runs it, the real CLI in a child process: the working supergraph
 * against another, with the test fixtures' operations as the recorded usage. Exit 0 when nothing
 * recorded breaks, 1 when something does (table or JSON), 2 on a usage error. `npm run compose --
 * --check` runs the same check when given usage.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { committedSupergraph, edited, supergraphFile } from "../helpers/usage.ts";

const dir = mkdtempSync(join(tmpdir(), "schema-check-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const fixture = "test/fixtures/usage-operations.json";
const committed = supergraphFile(dir, "committed.graphql", committedSupergraph);

/** Delivery.eta, and its description, removed. */
const withoutEta = () => edited(/\n  """[^"]*"""\n  eta: String[^\n]*\n/, "\n");
const run = (script: string, ...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8" });
const check = (sdl: string, ...args: string[]) => run("schema/check.ts", "--supergraph", supergraphFile(dir, `new-${Math.random().toString(36).slice(2)}.graphql`, sdl), "--against", committed, "--operations", fixture, ...args);

describe("the schema:check CLI", () => {
  it("exits 0 on the committed supergraph against itself", () => {
    const r = check(committedSupergraph);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /result: PASS/);
  });

  it("exits 1 naming the fixture client when a field its operation reads is removed", () => {
    const r = check(withoutEta());
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /BREAKING\s+Delivery\.eta/);
    assert.match(r.stdout, /courier-app 2\.3\.0/);
    assert.match(r.stdout, /demo-web 1\.0\.0/);
  });

  it("exits 1 with --json, the report parseable", () => {
    const r = check(withoutEta(), "--json");
    assert.equal(r.status, 1);
    assert.equal((JSON.parse(r.stdout) as { passed: boolean }).passed, false);
  });

  it("exits 2 on a window it cannot read", () => {
    const r = check(committedSupergraph, "--window", "a week");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--window expects a number and a unit/);
  });

  it("runs inside compose --check when usage is given", () => {
    const r = run("schema/compose.ts", "--check", "--usage-operations", fixture, "--against", committed);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /composition ok[\s\S]*result: PASS/);
  });
});
