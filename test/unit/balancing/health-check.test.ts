import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ActiveHealthChecker, applyCheckResult } from "../../../gateway/src/balancing/health-check.ts";
import { newInstanceHealth, type InstanceState } from "../../../gateway/src/balancing/instance.ts";

const readmitAlways = (h: ReturnType<typeof newInstanceHealth>, reason: string) => {
  h.state = "healthy";
  return { from: "ejected" as const, to: "healthy" as const, reason };
};
const readmitNever = () => undefined;

describe("active health checks", () => {
  const cases: Array<{ name: string; from: InstanceState; results: boolean[]; ejectionOver?: boolean; answered?: boolean; to: InstanceState }> = [
    { name: "an instance with no record becomes healthy on its first pass", from: "unknown", results: [true], to: "healthy" },
    { name: "an instance with no record stays in rotation after one failed check (threshold 2)", from: "unknown", results: [false], to: "unknown" },
    { name: "an instance with no record leaves rotation after two failed checks in a row", from: "unknown", results: [false, false], to: "unhealthy" },
    { name: "a healthy instance survives one failed check (threshold 2)", from: "healthy", results: [false], to: "healthy" },
    { name: "a healthy instance leaves rotation after two failed checks in a row", from: "healthy", results: [false, false], to: "unhealthy" },
    { name: "a pass between failures starts the count over", from: "healthy", results: [false, true, false], to: "healthy" },
    { name: "a healthy instance that answered traffic since the last check survives failed checks", from: "healthy", results: [false, false], answered: true, to: "healthy" },
    { name: "an unhealthy instance returns on a pass", from: "unhealthy", results: [true], to: "healthy" },
    { name: "an ejected instance stays out on a pass before its ejection is over", from: "ejected", results: [true], ejectionOver: false, to: "ejected" },
    { name: "an ejected instance returns on a pass once its ejection is over", from: "ejected", results: [true], ejectionOver: true, to: "healthy" },
    { name: "an ejected instance stays ejected (not unhealthy) when checks fail", from: "ejected", results: [false, false, false], to: "ejected" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const health = { ...newInstanceHealth(), state: c.from };
      for (const passed of c.results) {
        if (c.answered) health.answeredSinceCheck = true;
        applyCheckResult(health, passed, 2, c.ejectionOver ? readmitAlways : readmitNever);
      }
      assert.equal(health.state, c.to);
    });
  }

  it("checks every target right after start, then on the interval, and stops when told", async () => {
    const checked: string[] = [];
    const results: Array<[string, boolean]> = [];
    const checker = new ActiveHealthChecker({
      targets: ["a", "b"],
      intervalMs: 20,
      check: async (t) => {
        checked.push(t);
        if (t === "b") throw new Error("refused");
        return true;
      },
      onResult: (t, passed) => results.push([t, passed]),
    });
    checker.start();
    await new Promise((r) => setTimeout(r, 70));
    checker.stop();
    const count = checked.length;
    assert.ok(count >= 4, `checked ${count} times`);
    assert.deepEqual(results.slice(0, 2).sort(), [["a", true], ["b", false]]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(checked.length, count);
  });

  it("runs a delayed check for one target, unless stopped first", async () => {
    const checked: string[] = [];
    const checker = new ActiveHealthChecker({ targets: ["a"], intervalMs: 60_000, check: async (t) => (checked.push(t), true), onResult: () => {} });
    checker.checkLater("a", 10);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(checked, ["a"]);
    checker.checkLater("a", 10);
    checker.stop();
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(checked, ["a"]);
  });
});
