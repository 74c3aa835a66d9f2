import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ANONYMOUS_OPERATION, NO_OPERATION, OperationLabels, OTHER_LABEL } from "../../../gateway/src/telemetry/bounded-labels.ts";

describe("operation-name labels", () => {
  const cases: Array<{ rule: string; configured: string[]; cap: number; seen: Array<string | null | undefined>; expected: string[] }> = [
    { rule: "a configured name always keeps its own label, even with a cap of 0", configured: ["Checkout"], cap: 0, seen: ["Checkout", "Other"], expected: ["Checkout", OTHER_LABEL] },
    { rule: "names are admitted first seen, first served, up to the cap", configured: [], cap: 2, seen: ["A", "B", "C", "A", "D"], expected: ["A", "B", OTHER_LABEL, "A", OTHER_LABEL] },
    { rule: "configured names do not use up the cap", configured: ["K"], cap: 1, seen: ["K", "A", "K", "B"], expected: ["K", "A", "K", OTHER_LABEL] },
    { rule: "an anonymous operation has its own label", configured: [], cap: 0, seen: [null, ""], expected: [ANONYMOUS_OPERATION, ANONYMOUS_OPERATION] },
    { rule: "a request without an operation has its own label", configured: [], cap: 5, seen: [undefined], expected: [NO_OPERATION] },
    { rule: "a name longer than 100 characters is never admitted", configured: [], cap: 5, seen: ["x".repeat(101), "x".repeat(100)], expected: [OTHER_LABEL, "x".repeat(100)] },
  ];
  for (const c of cases) {
    it(c.rule, () => {
      const labels = new OperationLabels(c.configured, c.cap);
      assert.deepEqual(c.seen.map((name) => labels.label(name)), c.expected);
    });
  }

  it("a flood of distinct names yields at most cap + configured + the fixed values", () => {
    const labels = new OperationLabels(["Known"], 10);
    const values = new Set<string>();
    for (let i = 0; i < 10_000; i++) values.add(labels.label(`Random${i}`));
    values.add(labels.label("Known"));
    assert.equal(values.size, 12);
  });
});
