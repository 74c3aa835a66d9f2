/**
 * /healthz says the process is alive; /readyz says it can serve: the supergraph is loaded and
 * every subgraph answers.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startDelayProxy, type DelayProxy } from "../helpers/delay-proxy.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

let subgraphs: TestSubgraphs;
let payments: DelayProxy;
let gateway: TestGateway;

before(async () => {
  subgraphs = await startTestSubgraphs();
  payments = await startDelayProxy(subgraphs.payments.url);
  gateway = await startTestGateway({ subgraphs: { ...subgraphs.routing, payments: { url: payments.url } }, readiness: { cacheMs: 0, timeoutMs: 300 } });
});
after(async () => {
  await gateway.stop();
  await payments.close();
  await subgraphs.close();
});

const readyz = async () => {
  const res = await fetch(gateway.url.replace("/graphql", "/readyz"));
  return { status: res.status, body: (await res.json()) as { ready: boolean; subgraphs: Record<string, string> } };
};

describe("readiness", () => {
  it("is ready when the supergraph is loaded and every subgraph answers", async () => {
    const r = await readyz();
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.subgraphs, { auth: "up", orders: "up", delivery: "up", payments: "up" });
  });

  it("is not ready, naming the subgraph, when one does not answer in time", async () => {
    payments.delayMs = 1_000;
    const r = await readyz();
    payments.delayMs = 0;
    assert.equal(r.status, 503);
    assert.equal(r.body.ready, false);
    assert.equal(r.body.subgraphs.payments, "down");
    assert.equal(r.body.subgraphs.orders, "up");
  });
});
