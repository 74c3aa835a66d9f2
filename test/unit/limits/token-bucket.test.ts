/**
 * Token-bucket math with an injected clock: a full bucket admits a burst of `capacity`, refills
 * at `refillPerSecond`, says exactly when a refused cost would fit, never admits a cost larger
 * than the bucket, and adjustments stay within [-capacity, capacity].
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { adjustBucket, checkBucket, msUntilFull, tokensAt } from "../../../gateway/src/limits/token-bucket.ts";

const limit = { capacity: 10, refillPerSecond: 2 };

describe("the token bucket", () => {
  const table: Array<{ name: string; state?: { tokens: number; updatedAtMs: number }; cost: number; now: number; allowed: boolean; tokens: number; retryAfterMs: number }> = [
    { name: "a bucket never seen is full and admits its capacity", cost: 10, now: 0, allowed: true, tokens: 0, retryAfterMs: 0 },
    { name: "a cost above the tokens left is refused with the exact wait", state: { tokens: 1, updatedAtMs: 0 }, cost: 4, now: 0, allowed: false, tokens: 1, retryAfterMs: 1500 },
    { name: "tokens refill with elapsed time", state: { tokens: 0, updatedAtMs: 0 }, cost: 3, now: 1500, allowed: true, tokens: 0, retryAfterMs: 0 },
    { name: "refill stops at capacity", state: { tokens: 0, updatedAtMs: 0 }, cost: 1, now: 60_000, allowed: true, tokens: 9, retryAfterMs: 0 },
    { name: "a cost above capacity is never admitted", cost: 11, now: 0, allowed: false, tokens: 10, retryAfterMs: Infinity },
    { name: "a bucket in debt waits to pay it off first", state: { tokens: -4, updatedAtMs: 0 }, cost: 2, now: 0, allowed: false, tokens: -4, retryAfterMs: 3000 },
    { name: "a clock going backwards refills nothing", state: { tokens: 2, updatedAtMs: 5_000 }, cost: 3, now: 4_000, allowed: false, tokens: 2, retryAfterMs: 500 },
  ];
  for (const c of table) {
    it(c.name, () => {
      const check = checkBucket(c.state, limit, c.cost, c.now);
      assert.deepEqual(check, { allowed: c.allowed, tokens: c.tokens, retryAfterMs: c.retryAfterMs });
    });
  }

  it("admits the refused cost exactly at the retry time and not a millisecond before", () => {
    const state = { tokens: 0, updatedAtMs: 1_000 };
    const refused = checkBucket(state, limit, 5, 1_000);
    assert.equal(refused.retryAfterMs, 2500);
    assert.equal(checkBucket(state, limit, 5, 1_000 + 2499).allowed, false);
    assert.equal(checkBucket(state, limit, 5, 1_000 + 2500).allowed, true);
  });

  it("refunds up to capacity and charges down to -capacity", () => {
    assert.equal(adjustBucket({ tokens: 8, updatedAtMs: 0 }, limit, 5, 0).tokens, 10);
    assert.equal(adjustBucket({ tokens: 2, updatedAtMs: 0 }, limit, -30, 0).tokens, -10);
    assert.deepEqual(adjustBucket({ tokens: 2, updatedAtMs: 0 }, limit, 3, 1_000), { tokens: 7, updatedAtMs: 1_000 });
  });

  it("reports the time until full", () => {
    assert.equal(msUntilFull(10, limit), 0);
    assert.equal(msUntilFull(4, limit), 3000);
    assert.equal(tokensAt(undefined, limit, 123), 10);
  });
});
