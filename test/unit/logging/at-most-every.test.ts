import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { atMostEvery } from "../../../gateway/src/logging/at-most-every.ts";

describe("a gate that opens at most once per interval", () => {
  it("opens the first time, stays shut within the interval, and opens again after it", () => {
    let t = 1_000;
    const gate = atMostEvery(5_000, () => t);
    assert.equal(gate(), true);
    t += 4_999;
    assert.equal(gate(), false);
    t += 1;
    assert.equal(gate(), true);
    assert.equal(gate(), false);
  });
});
