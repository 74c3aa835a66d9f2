/**
 * The memory store takes from all limits or none, refunds and charges buckets afterwards,
 * reports the RateLimit numbers, and forgets idle consumers.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore } from "../../../gateway/src/limits/memory-store.ts";
import type { LimitSpec } from "../../../gateway/src/limits/store.ts";

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

const bucket = (cost: number, key = "b"): LimitSpec => ({ kind: "bucket", key, capacity: 10, refillPerSecond: 1, cost });
const window = (cost: number, key = "w"): LimitSpec => ({ kind: "window", key, max: 2, windowMs: 1000, cost });

describe("the memory store", () => {
  it("takes from every limit when all pass", async () => {
    const store = new MemoryStore({ now: clock().now });
    const r = await store.take([bucket(4), window(1)]);
    assert.equal(r.allowed, true);
    assert.deepEqual(r.outcomes.map((o) => o.remaining), [6, 1]);
  });

  it("takes from none when one fails, so a refused request costs nothing", async () => {
    const store = new MemoryStore({ now: clock().now });
    await store.take([bucket(1), window(2)]);
    const refused = await store.take([bucket(5), window(1)]);
    assert.equal(refused.allowed, false);
    assert.deepEqual(refused.outcomes.map((o) => o.allowed), [true, false]);
    assert.equal(refused.outcomes[0]!.remaining, 9, "the bucket kept its tokens");
    assert.equal(refused.outcomes[1]!.retryAfterMs, 1000);
  });

  it("refunds a bucket and reports the new remaining", async () => {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    await store.take([bucket(8)]);
    const [after] = await store.adjust([{ key: "b", capacity: 10, refillPerSecond: 1, delta: 5 }]);
    assert.equal(after!.remaining, 7);
    assert.equal(after!.resetMs, 3000);
  });

  it("charges a bucket into debt when the actual cost exceeds the reservation", async () => {
    const c = clock();
    const store = new MemoryStore({ now: c.now });
    await store.take([bucket(10)]);
    await store.adjust([{ key: "b", capacity: 10, refillPerSecond: 1, delta: -3 }]);
    const r = await store.take([bucket(1)]);
    assert.equal(r.allowed, false);
    assert.equal(r.outcomes[0]!.retryAfterMs, 4000, "3 of debt plus 1 to take");
  });

  it("forgets full buckets and empty windows on a sweep", async () => {
    const c = clock();
    const store = new MemoryStore({ now: c.now, sweepEvery: 2 });
    await store.take([bucket(1, "x"), window(1, "y")]);
    assert.equal(store.size, 2);
    c.t = 60_000;
    await store.take([bucket(0, "z")]);
    assert.equal(store.size, 1, "only the bucket just written is left");
  });
});
