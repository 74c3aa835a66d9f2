import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { newInstanceHealth } from "../../../gateway/src/balancing/instance.ts";
import { countsAsFailure, OutlierDetector, type OutlierDetectionSettings } from "../../../gateway/src/balancing/outlier-detection.ts";
import { SubgraphFetchError, type SubgraphFailureKind } from "../../../gateway/src/subgraph/types.ts";

const base: OutlierDetectionSettings = { enabled: true, consecutiveFailures: 3, baseEjectionMs: 1_000, growth: "linear", maxEjectionMs: 10_000, maxEjectedPercent: 50 };

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("outlier detection", () => {
  it("ejects an instance after N consecutive failures, not before", () => {
    const detector = new OutlierDetector(base, clock().now);
    const health = newInstanceHealth();
    assert.equal(detector.onFailure(health, 0, 4), undefined);
    assert.equal(detector.onFailure(health, 0, 4), undefined);
    const change = detector.onFailure(health, 0, 4);
    assert.equal(change?.to, "ejected");
    assert.equal(change?.ejectionMs, 1_000);
    assert.equal(health.state, "ejected");
    assert.equal(health.ejections, 1);
  });

  it("starts the count over after a success", () => {
    const detector = new OutlierDetector(base, clock().now);
    const health = newInstanceHealth();
    detector.onFailure(health, 0, 4);
    detector.onFailure(health, 0, 4);
    detector.onSuccess(health);
    assert.equal(detector.onFailure(health, 0, 4), undefined);
    assert.equal(health.state, "healthy");
  });

  const growth = [
    { growth: "linear" as const, expected: [1_000, 2_000, 3_000, 4_000, 5_000] },
    { growth: "exponential" as const, expected: [1_000, 2_000, 4_000, 8_000, 10_000] },
  ];
  for (const c of growth) {
    it(`makes each repeated ejection longer (${c.growth}: ${c.expected.join(", ")} ms, capped at the maximum)`, () => {
      const t = clock();
      const detector = new OutlierDetector({ ...base, growth: c.growth }, t.now);
      const health = newInstanceHealth();
      const lengths: number[] = [];
      for (let round = 0; round < c.expected.length; round++) {
        let change;
        for (let i = 0; i < base.consecutiveFailures; i++) change = detector.onFailure(health, 0, 4);
        lengths.push(change!.ejectionMs!);
        t.advance(change!.ejectionMs!);
        assert.equal(detector.readmit(health, "test")?.to, "healthy");
      }
      assert.deepEqual(lengths, c.expected);
      assert.equal(health.ejections, c.expected.length);
    });
  }

  it("caps linear growth at the maximum ejection time", () => {
    const detector = new OutlierDetector(base, clock().now);
    assert.deepEqual([1, 5, 10, 11, 50].map((level) => detector.ejectionMs(level)), [1_000, 5_000, 10_000, 10_000, 10_000]);
  });

  it("lowers the next ejection's level by one for each base period the instance stayed in rotation", () => {
    const t = clock();
    const detector = new OutlierDetector(base, t.now);
    const health = newInstanceHealth();
    const ejectOnce = () => {
      let change;
      for (let i = 0; i < base.consecutiveFailures; i++) change = detector.onFailure(health, 0, 4);
      t.advance(change!.ejectionMs!);
      detector.readmit(health, "test");
      return change!.ejectionMs!;
    };
    assert.deepEqual([ejectOnce(), ejectOnce(), ejectOnce()], [1_000, 2_000, 3_000]);
    t.advance(2_000); // two base periods healthy: level 3 → 1
    assert.equal(ejectOnce(), 2_000);
  });

  const shares = [
    { total: 2, percent: 50, ejectedNow: 0, ejects: true },
    { total: 2, percent: 50, ejectedNow: 1, ejects: false },
    { total: 4, percent: 50, ejectedNow: 1, ejects: true },
    { total: 4, percent: 50, ejectedNow: 2, ejects: false },
    { total: 3, percent: 10, ejectedNow: 0, ejects: true }, // at least one may always be ejected
    { total: 3, percent: 10, ejectedNow: 1, ejects: false },
    { total: 1, percent: 50, ejectedNow: 0, ejects: true },
    { total: 4, percent: 100, ejectedNow: 3, ejects: true },
    { total: 4, percent: 0, ejectedNow: 0, ejects: false }, // 0 turns ejection off
  ];
  for (const c of shares) {
    it(`${c.ejects ? "ejects" : "does not eject"} a failing instance when ${c.ejectedNow} of ${c.total} are ejected and the cap is ${c.percent}%`, () => {
      const detector = new OutlierDetector({ ...base, maxEjectedPercent: c.percent }, clock().now);
      const health = newInstanceHealth();
      let change;
      for (let i = 0; i < base.consecutiveFailures; i++) change = detector.onFailure(health, c.ejectedNow, c.total);
      assert.equal(change?.to === "ejected", c.ejects);
    });
  }

  it("keeps an ejected instance out until its time is over", () => {
    const t = clock();
    const detector = new OutlierDetector(base, t.now);
    const health = newInstanceHealth();
    for (let i = 0; i < 3; i++) detector.onFailure(health, 0, 2);
    t.advance(999);
    assert.equal(detector.readmit(health, "test"), undefined);
    assert.equal(health.state, "ejected");
    t.advance(1);
    assert.equal(detector.readmit(health, "test")?.to, "healthy");
  });

  it("does nothing when turned off", () => {
    const detector = new OutlierDetector({ ...base, enabled: false }, clock().now);
    const health = newInstanceHealth();
    for (let i = 0; i < 10; i++) assert.equal(detector.onFailure(health, 0, 2), undefined);
    assert.equal(health.state, "unknown");
  });

  const kinds: Array<{ kind: SubgraphFailureKind; status?: number; counts: boolean }> = [
    { kind: "connect", counts: true },
    { kind: "reset", counts: true },
    { kind: "timeout", counts: true },
    { kind: "status", status: 503, counts: true },
    { kind: "status", status: 500, counts: true },
    { kind: "invalid-body", status: 502, counts: true },
    { kind: "invalid-body", status: 200, counts: false },
    { kind: "aborted", counts: false },
    { kind: "no-instance", counts: false },
  ];
  for (const c of kinds) {
    it(`${c.counts ? "counts" : "does not count"} a ${c.kind}${c.status ? ` (HTTP ${c.status})` : ""} failure against the instance`, () => {
      assert.equal(countsAsFailure(new SubgraphFetchError(c.kind, "orders", "http://a", "x", c.status)), c.counts);
    });
  }
});
