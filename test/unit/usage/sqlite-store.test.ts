/** The SQLite usage store: counts add up across flushes and processes' writes, windows read by last execution, retention prunes. */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteUsageStore } from "../../../gateway/src/usage/sqlite-store.ts";

const dir = mkdtempSync(join(tmpdir(), "usage-sqlite-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const shape = (hash: string) => ({ hash, signature: `{${hash}}`, name: null, type: "query" as const, coordinates: [`Query.${hash}`] });
const count = (hash: string, name: string, bucket: number, n: number) => ({ hash, client: { name, version: "1" }, bucket, count: n, lastSeen: bucket + 1 });

describe("the SQLite usage store", () => {
  it("adds counts written by two handles on one file, per operation and client", async () => {
    const path = join(dir, "shared.db");
    const [a, b] = [new SqliteUsageStore(path), new SqliteUsageStore(path)];
    try {
      await a.write({ operations: [shape("x")], counts: [count("x", "web", 0, 2)] });
      await b.write({ operations: [shape("x")], counts: [count("x", "web", 0, 3), count("x", "ios", 60_000, 1)] });
      const [op] = await a.operations(0);
      assert.deepEqual(op!.clients.map((c) => [c.name, c.count]), [["web", 5], ["ios", 1]]);
      assert.deepEqual(op!.coordinates, ["Query.x"]);
      assert.deepEqual((await a.operations(50_000)).map((o) => o.clients.map((c) => c.name)), [["ios"]], "the window reads last executions");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("forgets counts older than the retention, and shapes nothing counts any more", async () => {
    const store = new SqliteUsageStore(join(dir, "prune.db"));
    try {
      await store.write({ operations: [shape("old"), shape("new")], counts: [count("old", "web", 0, 1), count("new", "web", 120_000, 1)] });
      await store.prune(60_000);
      assert.deepEqual((await store.operations(0)).map((o) => o.hash), ["new"]);
    } finally {
      await store.close();
    }
  });
});
