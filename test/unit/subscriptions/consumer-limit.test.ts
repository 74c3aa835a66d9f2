import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConsumerSubscriptionLimit } from "../../../gateway/src/subscriptions/consumer-limit.ts";

describe("active subscriptions per consumer", () => {
  it("admits up to max per consumer and counts consumers apart", () => {
    const limit = new ConsumerSubscriptionLimit(2);
    assert.ok(limit.acquire("user:u1"));
    assert.ok(limit.acquire("user:u1"));
    assert.equal(limit.acquire("user:u1"), undefined);
    assert.ok(limit.acquire("user:u2"), "another consumer has its own count");
  });

  it("frees a slot on release, and a second release of the same slot frees nothing", () => {
    const limit = new ConsumerSubscriptionLimit(1);
    const release = limit.acquire("addr:1.2.3.4")!;
    release();
    release();
    assert.equal(limit.held("addr:1.2.3.4"), 0);
    assert.ok(limit.acquire("addr:1.2.3.4"));
    assert.equal(limit.acquire("addr:1.2.3.4"), undefined);
  });
});
