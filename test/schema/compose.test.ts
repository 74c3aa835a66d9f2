/**
 * `npm run compose -- --check` is what CI runs to keep schema/supergraph.graphql honest.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeFromConfig } from "../../schema/compose.ts";

function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "compose-"));
  cpSync("schema", join(dir, "schema"), { recursive: true });
  cpSync("supergraph.yaml", join(dir, "supergraph.yaml"));
  return dir;
}

function runCheck(dir: string) {
  return spawnSync(process.execPath, ["--import", "tsx", "schema/compose.ts", "--check", "--config", join(dir, "supergraph.yaml"), "--output", join(dir, "schema/supergraph.graphql")], { encoding: "utf8" });
}

describe("supergraph composition", () => {
  it("composes the committed subgraph SDLs into exactly the committed supergraph", () => {
    const result = composeFromConfig("supergraph.yaml");
    assert.deepEqual(result.errors, []);
    assert.equal(result.supergraphSdl + "\n", readFileSync("schema/supergraph.graphql", "utf8"));
  });

  it("passes the check on an untouched copy", () => {
    const r = runCheck(copyProject());
    assert.equal(r.status, 0, r.stderr);
  });

  it("fails the check and names the subgraph when a subgraph SDL breaks composition", () => {
    const dir = copyProject();
    const file = join(dir, "schema/payments.graphql");
    // Two subgraphs now disagree on the type of a shared key field.
    writeFileSync(file, readFileSync(file, "utf8").replace("type Order @key(fields: \"id\") {\n  id: ID!", "type Order @key(fields: \"id\") {\n  id: Int!"));
    const r = runCheck(dir);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /composition failed/);
    assert.match(r.stderr, /payments/);
  });

  it("fails the check with the location when a subgraph SDL does not parse", () => {
    const dir = copyProject();
    writeFileSync(join(dir, "schema/delivery.graphql"), "type Query {\n  delivery(id: ID!: Delivery\n}\n");
    const r = runCheck(dir);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /\[delivery\].*Syntax Error.*\(at 2:/);
  });

  it("fails the check when the committed supergraph is stale", () => {
    const dir = copyProject();
    writeFileSync(join(dir, "schema/supergraph.graphql"), readFileSync(join(dir, "schema/supergraph.graphql"), "utf8") + "\n# edited by hand\n");
    const r = runCheck(dir);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /stale: run `npm run compose`/);
  });
});
