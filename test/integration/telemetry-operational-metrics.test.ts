/**
 * The metrics an operator alerts on besides traffic: supergraph reloads (applied, unchanged,
 * refused with a bounded reason, and a gauge while the file on disk is refused), remote JWKS
 * fetches by result, and upstream subscriptions that gave up. (Active subscriptions, their
 * connections and reconnects are checked in subscriptions-failover.test.ts.)
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { sample, scrape } from "../helpers/observed-system.ts";

const dir = mkdtempSync(join(tmpdir(), "operational-metrics-"));
const file = join(dir, "supergraph.graphql");
const original = readFileSync("schema/supergraph.graphql", "utf8");
const withMarker = original.replace(/type Query\n((?:\s+@join__type\(graph: \w+\)\n)+)\{\n/, (m) => `${m}  reloadMarker: String @join__field(graph: AUTH)\n`);
const base = { readiness: { checkSubgraphs: false } } as const;

let reloading: TestGateway;
let jwksDown: TestGateway;
let jwksUp: TestGateway;
let jwksServer: Server;

before(async () => {
  writeFileSync(file, original);
  jwksServer = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"keys":[]}'));
  await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  const auth = (url: string) => ({ jwks: { url }, issuer: "urn:test", audience: "test" });
  [reloading, jwksDown, jwksUp] = await Promise.all([
    startTestGateway(
      {
        ...base,
        supergraph: { path: file },
        subgraphs: { delivery: { url: "http://127.0.0.1:9/graphql" } },
        subscriptions: { reconnect: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 } },
      },
      { captureLogs: true },
    ),
    startTestGateway({ ...base, auth: auth("http://127.0.0.1:9/jwks.json") }),
    startTestGateway({ ...base, auth: auth(jwksUrl) }),
  ]);
});
after(async () => {
  await Promise.all([reloading.stop(), jwksDown.stop(), jwksUp.stop()]);
  await new Promise((r) => jwksServer.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function untilSample(url: string, name: string, labels: Record<string, string>, atLeast: number): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const value = sample(await scrape(url), name, labels);
    if (value >= atLeast) return value;
    await sleep(20);
  }
  throw new Error(`${name} ${JSON.stringify(labels)} never reached ${atLeast}`);
}

describe("operational metrics", () => {
  it("count supergraph reloads by result and reason, and flag a refused file until a good one is back", async () => {
    const metrics = reloading.metricsUrl!;
    const reloads = (result: string, reason = "none") => ({ result, reason });
    assert.equal(sample(await scrape(metrics), "gateway_supergraph_reload_refused"), 0);

    assert.equal(reloading.supergraph.reload(), true);
    assert.ok(reloading.logs.some((l) => /supergraph unchanged/.test(String(l.msg)) && l.level === "info"), "an unchanged reload says so");

    writeFileSync(file, "type Query { broken");
    assert.equal(reloading.supergraph.reload(), false);
    let text = await scrape(metrics);
    assert.equal(sample(text, "gateway_supergraph_reloads_total", reloads("refused", "invalid")), 1);
    assert.equal(sample(text, "gateway_supergraph_reload_refused"), 1);

    rmSync(file);
    assert.equal(reloading.supergraph.reload(), false);
    assert.equal(sample(await scrape(metrics), "gateway_supergraph_reloads_total", reloads("refused", "unreadable")), 1);

    writeFileSync(file, withMarker);
    assert.equal(reloading.supergraph.reload(), true);
    text = await scrape(metrics);
    assert.equal(sample(text, "gateway_supergraph_reloads_total", reloads("applied")), 1);
    assert.equal(sample(text, "gateway_supergraph_reloads_total", reloads("unchanged")), 1);
    assert.equal(sample(text, "gateway_supergraph_reload_refused"), 0);
  });

  it("count remote JWKS fetches by result", async () => {
    assert.ok((await untilSample(jwksDown.metricsUrl!, "gateway_jwks_refreshes_total", { result: "failure" }, 1)) >= 1);
    assert.equal(sample(await scrape(jwksDown.metricsUrl!), "gateway_jwks_refreshes_total", { result: "success" }), 0);
    assert.equal(await untilSample(jwksUp.metricsUrl!, "gateway_jwks_refreshes_total", { result: "success" }, 1), 1);
    assert.equal(sample(await scrape(jwksUp.metricsUrl!), "gateway_jwks_refreshes_total", { result: "failure" }), 0);
  });

  it("count an upstream subscription that gave up after its attempts", async () => {
    const abort = new AbortController();
    const res = await fetch(reloading.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: 'subscription { orderDeliveryUpdated(orderId: "1") { status } }' }),
      signal: abort.signal,
    });
    try {
      assert.equal(res.status, 200);
      assert.equal(await untilSample(reloading.metricsUrl!, "gateway_subscription_upstream_reconnects_total", { subgraph: "delivery", event: "exhausted" }, 1), 1);
    } finally {
      abort.abort();
    }
  });
});
