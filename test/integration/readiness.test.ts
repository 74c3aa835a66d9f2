/**
 * /healthz says the process is alive; /readyz says this replica can serve: the supergraph is
 * loaded, the listener is up and it is not draining. A subgraph that does not answer is named
 * in /readyz's detail and in `gateway_subgraph_up`, but does not take the replica out of a load
 * balancer, unless `readiness.requireSubgraphs` asks for that.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateConfig } from "../../gateway/src/config/load.ts";
import { startDelayProxy, type DelayProxy } from "../helpers/delay-proxy.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

let subgraphs: TestSubgraphs;
let payments: DelayProxy;
let gateway: TestGateway;
let strict: TestGateway;

before(async () => {
  subgraphs = await startTestSubgraphs();
  payments = await startDelayProxy(subgraphs.payments.url);
  const config = { subgraphs: { ...subgraphs.routing, payments: { url: payments.url } } };
  [gateway, strict] = await Promise.all([
    startTestGateway({ ...config, readiness: { cacheMs: 0, timeoutMs: 300 } }),
    startTestGateway({ ...config, readiness: { cacheMs: 0, timeoutMs: 300, requireSubgraphs: true } }),
  ]);
});
after(async () => {
  await Promise.all([gateway.stop(), strict.stop()]);
  await payments.close();
  await subgraphs.close();
});

const readyz = async (g: TestGateway) => {
  const res = await fetch(g.url.replace("/graphql", "/readyz"));
  return { status: res.status, body: (await res.json()) as { ready: boolean; supergraph: string; listener: string; draining: boolean; subgraphs: Record<string, string> } };
};

const subgraphUp = async (g: TestGateway) => {
  const text = await (await fetch(g.url.replace("/graphql", "/metrics"))).text();
  return Object.fromEntries([...text.matchAll(/^gateway_subgraph_up\{subgraph="(\w+)"\} (\d)$/gm)].map((m) => [m[1], Number(m[2])]));
};

describe("readiness", () => {
  it("is ready when the supergraph is loaded and the listener is up, with every subgraph's state in the detail", async () => {
    const r = await readyz(gateway);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ready: true, supergraph: "loaded", listener: "up", draining: false, subgraphs: { auth: "up", orders: "up", delivery: "up", payments: "up", "payment-provider": "up", routing: "up" } });
    assert.deepEqual(await subgraphUp(gateway), { auth: 1, orders: 1, delivery: 1, payments: 1, routing: 1 });
  });

  it("stays ready while a subgraph does not answer, naming it in /readyz and gateway_subgraph_up", async () => {
    payments.delayMs = 1_000;
    try {
      const r = await readyz(gateway);
      assert.equal(r.status, 200, "one subgraph's outage must not take every replica out of the load balancer");
      assert.equal(r.body.ready, true);
      assert.equal(r.body.subgraphs.payments, "down");
      assert.equal(r.body.subgraphs.orders, "up");
      const up = await subgraphUp(gateway);
      assert.equal(up.payments, 0);
      assert.equal(up.orders, 1);
      assert.match(await (await fetch(gateway.url.replace("/graphql", "/metrics"))).text(), /^gateway_ready 1$/m);
    } finally {
      payments.delayMs = 0;
    }
  });

  it("with readiness.requireSubgraphs answers 503 while a subgraph does not answer (the old behaviour)", async () => {
    payments.delayMs = 1_000;
    try {
      const r = await readyz(strict);
      assert.equal(r.status, 503);
      assert.equal(r.body.ready, false);
      assert.equal(r.body.subgraphs.payments, "down");
    } finally {
      payments.delayMs = 0;
    }
    assert.equal((await readyz(strict)).status, 200);
  });

  it("refuses requireSubgraphs without checkSubgraphs at start", () => {
    assert.throws(() => validateConfig({ readiness: { checkSubgraphs: false, requireSubgraphs: true } }, {}), /requireSubgraphs needs checkSubgraphs/);
  });
});
