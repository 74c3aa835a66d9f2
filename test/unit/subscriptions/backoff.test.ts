import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay } from "../../../gateway/src/subscriptions/backoff.ts";

const options = { initialDelayMs: 100, maxDelayMs: 1_000 };

describe("reconnect backoff", () => {
  const table = [
    { attempt: 0, random: 0, expected: 50 },
    { attempt: 0, random: 1, expected: 100 },
    { attempt: 1, random: 0, expected: 100 },
    { attempt: 2, random: 0.5, expected: 300 },
    { attempt: 3, random: 1, expected: 800 },
    { attempt: 4, random: 1, expected: 1_000 },
    { attempt: 50, random: 0, expected: 500 },
  ];
  for (const { attempt, random, expected } of table) {
    it(`waits ${expected} ms before retry ${attempt} when the random source gives ${random}`, () => {
      assert.equal(backoffDelay(attempt, options, () => random), expected);
    });
  }

  it("never waits less than half the ceiling, so reconnects never spin", () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const ceiling = Math.min(1_000, 100 * 2 ** attempt);
      assert.ok(backoffDelay(attempt, options, () => 0) >= ceiling / 2);
    }
  });

  it("treats a negative or fractional attempt as the first", () => {
    assert.equal(backoffDelay(-3, options, () => 0), 50);
    assert.equal(backoffDelay(0.7, options, () => 0), 50);
  });
});
