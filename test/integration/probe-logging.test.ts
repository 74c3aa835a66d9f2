/**
 * Probes stay out of the info-level logs, where `npm start` prints them: the gateway's health
 * checks and readiness probes of each subgraph instance (every 5 s from every gateway) are
 * logged by the subgraph at debug, as are the gateway's own `/healthz`, `/readyz`, `/metrics`
 * and admin requests, unless `telemetry.accessLog.probes` turns them back on at info.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createLogger } from "../../subgraphs/shared/logger.ts";
import { postGraphQL, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { startTestAuth } from "../helpers/subgraphs.ts";

const subgraphLines: Array<Record<string, unknown>> = [];
let auth: AuthSubgraph;
let quiet: TestGateway;
let verbose: TestGateway;

before(async () => {
  const destination = { write: (line: string) => void subgraphLines.push(JSON.parse(line)) };
  auth = await startTestAuth({ logger: createLogger({ service: "auth", level: "debug", destination }) });
  const routing = { auth: { url: auth.url, healthCheck: { intervalMs: 50 } } };
  [quiet, verbose] = await Promise.all([
    startTestGateway({ subgraphs: routing, readiness: { checkSubgraphs: true, cacheMs: 0 } }, { captureLogs: true }),
    startTestGateway({ subgraphs: routing, readiness: { checkSubgraphs: false }, telemetry: { accessLog: { probes: true } } }, { captureLogs: true }),
  ]);
});
after(async () => {
  await Promise.all([quiet.stop(), verbose.stop()]);
  await auth.close();
});

const completed = (lines: Array<Record<string, unknown>>, path: string) => lines.filter((l) => l.msg === "request completed" && l.path === path);

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(20);
  assert.ok(check(), what);
}

describe("probe logging", () => {
  it("has a subgraph log the gateway's health checks and readiness probes at debug, and a client's query at info", async () => {
    await (await fetch(quiet.url.replace("/graphql", "/readyz"))).arrayBuffer();
    await until(() => completed(subgraphLines, "/graphql").length >= 4, "several health checks reached the subgraph");
    const probes = completed(subgraphLines, "/graphql");
    assert.ok(probes.some((l) => l.operationName === "__GatewayReadiness__"), "a readiness probe was logged");
    assert.deepEqual([...new Set(probes.map((l) => l.level))], ["debug"]);

    const before = completed(subgraphLines, "/graphql").length;
    const client = await postGraphQL(quiet.url, "query Me { me { id } }", undefined, { "x-request-id": "req-probe-client" });
    assert.equal(client.status, 200);
    await until(() => subgraphLines.some((l) => l.requestId === "req-probe-client" && l.msg === "request completed"), "the client's fetch was logged");
    const line = subgraphLines.find((l) => l.requestId === "req-probe-client" && l.msg === "request completed")!;
    assert.equal(line.level, "info");
    assert.ok(completed(subgraphLines, "/graphql").length > before);
  });

  it("logs the gateway's own probe and scrape routes at debug by default, and at info with accessLog.probes", async () => {
    for (const gateway of [quiet, verbose]) {
      for (const path of ["/healthz", "/readyz", "/metrics"]) await (await fetch(gateway.url.replace("/graphql", path))).arrayBuffer();
    }
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      await until(() => completed(quiet.logs, path).length > 0 && completed(verbose.logs, path).length > 0, `${path} was logged by both`);
      assert.deepEqual([...new Set(completed(quiet.logs, path).map((l) => l.level))], ["debug"], path);
      assert.deepEqual([...new Set(completed(verbose.logs, path).map((l) => l.level))], ["info"], path);
    }
  });
});
