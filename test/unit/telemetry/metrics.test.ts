import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GatewayMetrics } from "../../../gateway/src/telemetry/metrics.ts";
import { sample } from "../../helpers/observed-system.ts";

const metrics = () => new GatewayMetrics({ operationNames: [], maxOperationNames: 10, processMetrics: false, latencyBuckets: [0.1, 1] });

describe("gateway metrics", () => {
  it("counts rate-limit decisions by policy and decision, and observes estimated and actual cost", async () => {
    const m = metrics();
    m.requestFinished({
      operationName: "Q",
      operationType: "query",
      status: 429,
      seconds: 0.01,
      errorCodes: ["RATE_LIMITED"],
      cost: { estimated: 30, actual: 12 },
      rateLimits: [{ policy: "per-consumer", outcome: "rejected" }, { policy: "global", outcome: "allowed" }],
      shared: false,
    });
    const text = await m.render();
    assert.equal(sample(text, "gateway_rate_limit_decisions_total", { policy: "per-consumer", decision: "rejected" }), 1);
    assert.equal(sample(text, "gateway_rate_limit_decisions_total", { policy: "global", decision: "allowed" }), 1);
    assert.equal(sample(text, "gateway_operation_cost_sum", { kind: "estimated" }), 30);
    assert.equal(sample(text, "gateway_operation_cost_sum", { kind: "actual" }), 12);
    assert.equal(sample(text, "gateway_graphql_errors_total", { code: "RATE_LIMITED" }), 1);
    assert.equal(sample(text, "gateway_requests_total", { operation_name: "Q", operation_type: "query", status: "429" }), 1);
  });

  it("sets one instance state at a time and counts an ejection only on entering it", async () => {
    const m = metrics();
    m.upstreamState("orders", "http://a", "healthy");
    m.upstreamState("orders", "http://a", "ejected");
    m.upstreamState("orders", "http://a", "ejected");
    let text = await m.render();
    assert.equal(sample(text, "gateway_upstream_instance_state", { subgraph: "orders", instance: "http://a", state: "ejected" }), 1);
    assert.equal(sample(text, "gateway_upstream_instance_state", { subgraph: "orders", instance: "http://a", state: "healthy" }), 0);
    assert.equal(sample(text, "gateway_upstream_ejections_total", { subgraph: "orders", instance: "http://a" }), 1);
    m.upstreamState("orders", "http://a", "healthy");
    m.upstreamState("orders", "http://a", "ejected");
    text = await m.render();
    assert.equal(sample(text, "gateway_upstream_ejections_total", { subgraph: "orders", instance: "http://a" }), 2);
    m.upstreamRemoved("orders", "http://a");
    text = await m.render();
    assert.equal(text.includes('gateway_upstream_instance_state{subgraph="orders"'), false);
  });

  it("keeps in-flight fetches balanced and counts failures by kind", async () => {
    const m = metrics();
    m.fetchStarted("auth");
    m.fetchStarted("auth");
    m.fetchFinished("auth", "http://i", 0.05, undefined);
    m.fetchFinished("auth", undefined, 0.2, "no-instance");
    const text = await m.render();
    assert.equal(sample(text, "gateway_subgraph_fetches_in_flight", { subgraph: "auth" }), 0);
    assert.equal(sample(text, "gateway_subgraph_fetch_duration_seconds_count", { subgraph: "auth", instance: "http://i" }), 1);
    assert.equal(sample(text, "gateway_subgraph_fetch_errors_total", { subgraph: "auth", instance: "none", kind: "no-instance" }), 1);
  });

  it("bounds error-code labels: a subgraph inventing codes cannot add series without end", async () => {
    const m = metrics();
    for (let i = 0; i < 500; i++) m.requestFinished({ operationName: "Q", operationType: "query", status: 200, seconds: 0, errorCodes: [`CODE_${i}`], cost: undefined, rateLimits: [], shared: false });
    const text = await m.render();
    const series = text.split("\n").filter((l) => l.startsWith("gateway_graphql_errors_total{"));
    assert.equal(series.length, 51);
    assert.equal(sample(text, "gateway_graphql_errors_total", { code: "__other__" }), 450);
  });

  it("uses a registry of its own, so two gateways in one process never share series", async () => {
    const a = metrics();
    const b = metrics();
    a.queryPlanLookup(true);
    assert.equal(sample(await b.render(), "gateway_query_plan_cache_lookups_total", { result: "hit" }), 0);
    assert.equal(sample(await a.render(), "gateway_query_plan_cache_lookups_total", { result: "hit" }), 1);
  });
});
