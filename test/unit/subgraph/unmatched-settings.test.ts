import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { unmatchedSubgraphNames } from "../../../gateway/src/subgraph/unmatched-settings.ts";
import { startTestGateway } from "../../helpers/gateway.ts";

describe("subgraph settings that match no subgraph", () => {
  it("are the configured names the supergraph does not declare, never `all`", () => {
    assert.deepEqual(unmatchedSubgraphNames(["all", "orders", "prodcuts", "Payments"], ["auth", "orders", "delivery", "payments"]), ["prodcuts", "Payments"]);
    assert.deepEqual(unmatchedSubgraphNames(["all", "orders"], ["orders"]), []);
  });

  it("are named in one warning when the gateway loads its supergraph", async () => {
    const gateway = await startTestGateway(
      { subgraphs: { orders: { timeoutMs: 2_000 }, ordres: { forwardIdentity: false } }, readiness: { checkSubgraphs: false } },
      { captureLogs: true },
    );
    try {
      const warnings = gateway.logs.filter((l) => l.msg === "the config sets subgraphs the supergraph does not have; their settings apply to nothing");
      assert.equal(warnings.length, 1);
      assert.deepEqual(warnings[0]!.unmatched, ["ordres"]);
      assert.deepEqual([...(warnings[0]!.subgraphs as string[])].sort(), ["auth", "delivery", "orders", "payment-provider", "payments", "routing"]);
    } finally {
      await gateway.stop();
    }
  });
});
