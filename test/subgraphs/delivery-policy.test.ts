import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideStatusUpdate, etaFor, needsPaidOrder, type DeliveryStatus, type StatusDecision } from "../../subgraphs/delivery/policy.ts";

const courier = { userId: "u3", isAdmin: false };
const otherCourier = { userId: "u9", isAdmin: false };
const admin = { userId: "u4", isAdmin: true };

describe("delivery status policy", () => {
  const cases: [string, Parameters<typeof decideStatusUpdate>, StatusDecision][] = [
    ["a courier takes an unassigned delivery", [{ status: "PENDING", courierId: null }, courier, "ASSIGNED"], { kind: "allow", courierId: "u3" }],
    ["a courier works their own delivery", [{ status: "ASSIGNED", courierId: "u3" }, courier, "PICKED_UP"], { kind: "allow", courierId: "u3" }],
    ["a courier creates a missing delivery", [undefined, courier, "ASSIGNED"], { kind: "allow", courierId: "u3" }],
    [
      "a courier cannot touch another courier's delivery",
      [{ status: "ASSIGNED", courierId: "u3" }, otherCourier, "PICKED_UP"],
      { kind: "forbidden", reason: "This delivery is assigned to another courier" },
    ],
    ["an admin keeps the assignment", [{ status: "IN_TRANSIT", courierId: "u3" }, admin, "FAILED"], { kind: "allow", courierId: "u3" }],
    [
      "nobody changes a delivered delivery",
      [{ status: "DELIVERED", courierId: "u3" }, admin, "IN_TRANSIT"],
      { kind: "invalid_transition", from: "DELIVERED", to: "IN_TRANSIT" },
    ],
  ];
  for (const [name, args, expected] of cases) {
    it(name, () => assert.deepEqual(decideStatusUpdate(...args), expected));
  }

  it("gives no ETA once delivered or failed, and a shrinking one on the way", () => {
    const at = 1_000_000;
    const etas = (["PENDING", "ASSIGNED", "PICKED_UP", "IN_TRANSIT"] as DeliveryStatus[]).map((s) => etaFor(s, at)! - at);
    assert.deepEqual(etas, [...etas].sort((a, b) => b - a));
    assert.equal(etaFor("DELIVERED", at), null);
    assert.equal(etaFor("FAILED", at), null);
  });
});

describe("which delivery moves need a paid order", () => {
  const table: Array<[DeliveryStatus | undefined, DeliveryStatus, boolean]> = [
    [undefined, "ASSIGNED", true],
    [undefined, "PICKED_UP", true],
    [undefined, "FAILED", false],
    ["PENDING", "ASSIGNED", true],
    ["PENDING", "DELIVERED", true],
    ["PENDING", "PENDING", false],
    ["PENDING", "FAILED", false],
    ["ASSIGNED", "PICKED_UP", false],
    ["IN_TRANSIT", "DELIVERED", false],
  ];
  for (const [from, to, needed] of table) {
    it(`${needed ? "requires" : "does not require"} payment from ${from ?? "no delivery"} to ${to}`, () => assert.equal(needsPaidOrder(from, to), needed));
  }
});
