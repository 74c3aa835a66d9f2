/**
 * The recorder: a shape computed once per document and supergraph; counts per operation, client
 * and bucket flushed to the store; memory bounded (pending counts, the recent window).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildSchema, parse } from "graphql";
import { createLogger } from "../../../gateway/src/logging/logger.ts";
import type { SupergraphSnapshot } from "../../../gateway/src/supergraph/snapshot.ts";
import { UsageRecorder, type ExecutedOperation } from "../../../gateway/src/usage/recorder.ts";
import type { UsageBatch, UsageStore } from "../../../gateway/src/usage/store.ts";

const snapshot = { apiSchema: buildSchema("type Query { a(n: Int): Int b: Int }"), hash: "h" } as unknown as SupergraphSnapshot;
const executed = (source: string): ExecutedOperation => ({ snapshot, source, operationName: undefined, queryHash: source, document: parse(source), filtered: undefined });
const headers = (name: string, version = "1") => ({ "apollographql-client-name": name, "apollographql-client-version": version });

function memoryStore(): UsageStore & { batches: UsageBatch[] } {
  const batches: UsageBatch[] = [];
  return { batches, write: async (b) => void batches.push(b), operations: async () => [], prune: async () => {}, close: async () => {} };
}

function recorder(store: UsageStore | undefined, clock: { now: number }, overrides: Partial<ConstructorParameters<typeof UsageRecorder>[0]> = {}) {
  return new UsageRecorder({
    store,
    bucketMs: 60_000,
    flushIntervalMs: 3_600_000,
    retentionMs: 86_400_000,
    maxPendingCounts: 100,
    maxOperations: 100,
    recentWindowMs: 3_600_000,
    logger: createLogger({ level: "silent" }),
    now: () => clock.now,
    ...overrides,
  });
}

describe("the usage recorder", () => {
  it("counts executions per operation, client and bucket, and writes each shape once per flush", async () => {
    const store = memoryStore();
    const clock = { now: 120_000 };
    const r = recorder(store, clock);
    r.record(executed("{ a(n: 1) }"), headers("web"));
    r.record(executed("{ a(n: 2) }"), headers("web"));
    r.record(executed("{ a(n: 3) }"), headers("ios"));
    clock.now = 185_000; // the next bucket
    r.record(executed("{ a(n: 1) }"), headers("web"));
    await r.close();
    assert.equal(store.batches.length, 1);
    const [batch] = store.batches;
    assert.equal(batch!.operations.length, 1, "one signature for all four");
    assert.deepEqual(batch!.counts.map((c) => [c.client.name, c.bucket, c.count]), [["web", 120_000, 2], ["ios", 120_000, 1], ["web", 180_000, 1]]);
  });

  it("drops new counts beyond maxPendingCounts until the next flush, keeping memory bounded", async () => {
    const store = memoryStore();
    const r = recorder(store, { now: 0 }, { maxPendingCounts: 2 });
    for (let i = 0; i < 5; i++) r.record(executed("{ b }"), headers(`client-${i}`));
    await r.close();
    assert.equal(store.batches[0]!.counts.length, 2);
  });

  it("remembers recent operations for the window only, at most maxOperations of them", () => {
    const clock = { now: 0 };
    const r = recorder(undefined, clock, { maxOperations: 2, recentWindowMs: 1_000 });
    r.record(executed("{ a }"), headers("web"));
    r.record(executed("{ b }"), headers("web"));
    r.record(executed("{ a b }"), headers("web"));
    assert.deepEqual(r.recent(0).map((op) => op.signature).sort(), ["{a b}", "{b}"]);
    clock.now = 5_000;
    r.record(executed("{ a }"), headers("ios"));
    assert.deepEqual(r.recent(4_000).map((op) => [op.signature, op.clients.map((c) => c.name)]), [["{a}", ["ios"]]]);
  });
});
