/**
 * Log lines are JSON objects with each key once: a child logger never re-adds a binding its
 * parent already carries (`"component":"subscriptions","component":"subscriptions"` broke log
 * pipelines that reject duplicate keys). Read from the raw text, since parsing hides it.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { duplicateKeys } from "../helpers/json-keys.ts";

const closedPort = "http://127.0.0.1:9/graphql";
let subscriptions: TestGateway;
let limits: TestGateway;
let retrying: TestGateway;

before(async () => {
  const base = { readiness: { checkSubgraphs: false } };
  [subscriptions, limits, retrying] = await Promise.all([
    startTestGateway(
      { ...base, subgraphs: { delivery: { url: closedPort } }, subscriptions: { reconnect: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 } } },
      { captureLogs: true },
    ),
    startTestGateway({ ...base, limits: { store: { redis: { url: "redis://127.0.0.1:9" } }, onStoreError: "allow" } }, { captureLogs: true }),
    // Two dead instances kept in rotation (no health checks): a readiness probe is retried on the other.
    startTestGateway(
      {
        readiness: { checkSubgraphs: true },
        subgraphs: { auth: { healthCheck: { enabled: false }, instances: [{ url: closedPort }, { url: "http://127.0.0.1:7/graphql" }] } },
      },
      { captureLogs: true },
    ),
  ]);
});
after(() => Promise.all([subscriptions.stop(), limits.stop(), retrying.stop()]));

async function untilLogged(gateway: TestGateway, msg: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = gateway.rawLogs.find((l) => msg.test(JSON.parse(l).msg));
    if (line) return line;
    await sleep(20);
  }
  throw new Error(`no log line matching ${msg} within ${timeoutMs} ms`);
}

function assertNoDuplicateKeys(gateway: TestGateway): void {
  for (const line of gateway.rawLogs) assert.deepEqual(duplicateKeys(line), [], line);
}

describe("log lines", () => {
  it("carry component and subgraph once when an upstream subscription is lost", async () => {
    const abort = new AbortController();
    const res = await fetch(subscriptions.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: 'subscription { orderDeliveryUpdated(orderId: "1") { status } }' }),
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    try {
      const line = await untilLogged(subscriptions, /upstream subscription lost/);
      assert.equal(line.match(/"component":/g)?.length, 1, line);
      assert.equal(line.match(/"subgraph":/g)?.length, 1, line);
    } finally {
      abort.abort();
    }
    assertNoDuplicateKeys(subscriptions);
  });

  it("carry component once when the rate-limit store is unavailable", async () => {
    const res = await fetch(limits.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) });
    await res.arrayBuffer();
    const line = await untilLogged(limits, /rate-limit store unavailable/);
    assert.equal(line.match(/"component":/g)?.length, 1, line);
    assertNoDuplicateKeys(limits);
  });

  it("carry subgraph once when the gateway's own probe is retried on another instance", async () => {
    await (await fetch(retrying.url.replace("/graphql", "/readyz"))).arrayBuffer();
    const line = await untilLogged(retrying, /retrying subgraph fetch/);
    assert.equal(line.match(/"subgraph":/g)?.length, 1, line);
    assertNoDuplicateKeys(retrying);
  });
});
