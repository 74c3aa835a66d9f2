/**
 * Sliding-window-log math with an injected clock: at most `max` counted requests in any window
 * of `windowMs`, and a refused request learns exactly when enough old entries leave.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkWindow, pruneLog } from "../../../gateway/src/limits/sliding-window.ts";

const limit = { max: 3, windowMs: 1000 };

describe("the sliding window", () => {
  it("admits up to max in a window and refuses the next", () => {
    assert.equal(checkWindow([0, 100], limit, 1, 200).allowed, true);
    const refused = checkWindow([0, 100, 200], limit, 1, 300);
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterMs, 700, "the oldest entry leaves at 1000");
  });

  it("an entry exactly one window old no longer counts", () => {
    assert.deepEqual(pruneLog([0, 100, 200], limit, 1000), [100, 200]);
    assert.equal(checkWindow(pruneLog([0, 100, 200], limit, 1000), limit, 1, 1000).allowed, true);
  });

  it("a request counting twice waits for two entries to leave", () => {
    const refused = checkWindow([0, 100, 200], limit, 2, 300);
    assert.equal(refused.retryAfterMs, 800);
  });

  it("a request counting more than max is never admitted", () => {
    assert.equal(checkWindow([], limit, 4, 0).retryAfterMs, Infinity);
  });

  it("reports when the oldest entry leaves as the reset", () => {
    assert.equal(checkWindow([250], limit, 1, 500).resetMs, 750);
    assert.equal(checkWindow([], limit, 1, 500).resetMs, 1000);
  });
});
