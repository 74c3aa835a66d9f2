/**
 * The load factor halves (by default) while any signal is past its threshold, never below the
 * floor, and grows back by a fixed step when the load is gone.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { nextFactor, overloadReasons } from "../../../gateway/src/limits/load-factor.ts";

const t = { eventLoopDelayMs: 100, maxInFlight: 50, upstreamLatencyMs: 500, minFactor: 0.25, decrease: 0.5, recoverStep: 0.1 };

describe("the load factor", () => {
  const signals = [
    { name: "a healthy gateway is not overloaded", s: { eventLoopDelayMs: 20, inFlight: 3, upstreamLatencyMs: 40 }, reasons: [] },
    { name: "event-loop delay past the threshold is overload", s: { eventLoopDelayMs: 150, inFlight: 3, upstreamLatencyMs: 40 }, reasons: ["event-loop-delay"] },
    { name: "too many requests in flight is overload", s: { eventLoopDelayMs: 20, inFlight: 51, upstreamLatencyMs: undefined }, reasons: ["in-flight"] },
    { name: "slow subgraphs are overload", s: { eventLoopDelayMs: 20, inFlight: 0, upstreamLatencyMs: 900 }, reasons: ["upstream-latency"] },
  ];
  for (const c of signals) it(c.name, () => assert.deepEqual(overloadReasons(c.s, t), c.reasons));

  it("ignores signals without a threshold", () => {
    assert.deepEqual(overloadReasons({ eventLoopDelayMs: 0, inFlight: 1e6, upstreamLatencyMs: 1e6 }, { ...t, maxInFlight: undefined, upstreamLatencyMs: undefined }), []);
  });

  it("shrinks multiplicatively down to the floor and recovers additively up to 1", () => {
    const steps: number[] = [];
    let f = 1;
    for (const overloaded of [true, true, true, false, false, false, false, false, false, false, false, false]) {
      f = nextFactor(f, overloaded, t);
      steps.push(f);
    }
    assert.deepEqual(steps, [0.5, 0.25, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95, 1, 1]);
  });
});
