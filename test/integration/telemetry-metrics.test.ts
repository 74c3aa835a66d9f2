/**
 * `/metrics` moves as known requests say it should: request counters and latency by operation
 * and status, errors by code (edge refusals included), subgraph fetches per subgraph and
 * instance, query-plan cache hits, Node process metrics; and label values stay bounded.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { postGraphQL, startTestGateway } from "../helpers/gateway.ts";
import { loginThroughGateway, sample, scrape, seriesOf, startObservedSystem, type ObservedSystem } from "../helpers/observed-system.ts";

let system: ObservedSystem;
let metricsUrl: string;

before(async () => {
  system = await startObservedSystem({ telemetry: { metrics: { operationNames: ["Ping"], maxOperationNames: 20 } }, operations: { introspection: true } });
  metricsUrl = system.gateway.metricsUrl!;
});
after(() => system.close());

describe("/metrics", () => {
  it("is served on the gateway port in the Prometheus text format, with Node process metrics", async () => {
    const res = await fetch(metricsUrl);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  });

  it("counts each request by operation name, type and status, and observes its latency", async () => {
    const labels = { operation_name: "Ping", operation_type: "query", status: "200" };
    const before = await scrape(metricsUrl);
    for (let i = 0; i < 3; i++) assert.equal((await postGraphQL(system.gateway.url, "query Ping { __typename }")).status, 200);
    const after = await scrape(metricsUrl);
    assert.equal(sample(after, "gateway_requests_total", labels) - sample(before, "gateway_requests_total", labels), 3);
    assert.equal(sample(after, "gateway_request_duration_seconds_count", labels) - sample(before, "gateway_request_duration_seconds_count", labels), 3);
    assert.equal(sample(after, "gateway_request_duration_seconds_bucket", { ...labels, le: "+Inf" }), sample(after, "gateway_request_duration_seconds_count", labels));
  });

  it("counts errors by code, including requests refused at the edge before any operation", async () => {
    const before = await scrape(metricsUrl);
    await (await fetch(system.gateway.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json" }, body: "{oops" })).text();
    await postGraphQL(system.gateway.url, "{ noSuchField }");
    const after = await scrape(metricsUrl);
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    assert.equal(delta("gateway_graphql_errors_total", { code: "INVALID_JSON" }), 1);
    assert.equal(delta("gateway_graphql_errors_total", { code: "GRAPHQL_VALIDATION_FAILED" }), 1);
    assert.equal(delta("gateway_requests_total", { operation_name: "__none__", operation_type: "none", status: "400" }), 2);
  });

  it("times subgraph fetches per subgraph and instance, and leaves none in flight", async () => {
    const instance = system.subgraphs.routing.auth.url;
    const before = await scrape(metricsUrl);
    await loginThroughGateway(system.gateway.url);
    const after = await scrape(metricsUrl);
    const labels = { subgraph: "auth", instance };
    assert.equal(sample(after, "gateway_subgraph_fetch_duration_seconds_count", labels) - sample(before, "gateway_subgraph_fetch_duration_seconds_count", labels), 1);
    assert.equal(sample(after, "gateway_subgraph_fetches_in_flight", { subgraph: "auth" }), 0);
  });

  it("counts a query-plan cache miss for a new operation and a hit when it comes again", async () => {
    const query = "query PlanCacheProbe { me { id } }";
    const before = await scrape(metricsUrl);
    await postGraphQL(system.gateway.url, query);
    await postGraphQL(system.gateway.url, query);
    const after = await scrape(metricsUrl);
    const delta = (result: string) => sample(after, "gateway_query_plan_cache_lookups_total", { result }) - sample(before, "gateway_query_plan_cache_lookups_total", { result });
    assert.deepEqual({ miss: delta("miss"), hit: delta("hit") }, { miss: 1, hit: 1 });
  });

  it("counts operations our executor hands to @apollo/gateway's, by reason, and none it runs itself", async () => {
    const before = await scrape(metricsUrl);
    await postGraphQL(system.gateway.url, "query Mixed { me { id } __schema { queryType { name } } }");
    await postGraphQL(system.gateway.url, "query Plain { me { id } }");
    const after = await scrape(metricsUrl);
    const delta = (reason: string) => sample(after, "gateway_executor_fallbacks_total", { reason }) - sample(before, "gateway_executor_fallbacks_total", { reason });
    assert.equal(delta("introspection"), 1);
  });
});

describe("label cardinality", () => {
  it("a flood of random operation names leaves the series count bounded", async () => {
    const gateway = await startTestGateway({ readiness: { checkSubgraphs: false }, telemetry: { metrics: { operationNames: ["Known"], maxOperationNames: 5, processMetrics: false } } });
    try {
      const names = Array.from({ length: 60 }, (_, i) => `Random${i}_${Math.random().toString(36).slice(2, 8)}`);
      for (let i = 0; i < names.length; i += 10) {
        await Promise.all(names.slice(i, i + 10).map((name) => postGraphQL(gateway.url, `query ${name} { __typename }`)));
      }
      await postGraphQL(gateway.url, "query Known { __typename }");
      const text = await scrape(gateway.metricsUrl!);
      const values = new Set(seriesOf(text, "gateway_requests_total").map((s) => s.labels.operation_name));
      assert.ok(values.size <= 7, `operation_name has ${values.size} values`);
      assert.ok(values.has("Known") && values.has("__other__"));
      const other = sample(text, "gateway_requests_total", { operation_name: "__other__", operation_type: "query", status: "200" });
      assert.equal(other, 55);
      const histogramSeries = text.split("\n").filter((l) => l.startsWith("gateway_request_duration_seconds_bucket{")).length;
      assert.ok(histogramSeries <= 7 * 12, `${histogramSeries} histogram series`);
    } finally {
      await gateway.stop();
    }
  });
});

describe("the admin port", () => {
  it("serves metrics on its own port when configured, and not on the gateway port", async () => {
    const gateway = await startTestGateway({ readiness: { checkSubgraphs: false }, telemetry: { metrics: { port: 0, processMetrics: false } } });
    try {
      assert.notEqual(new URL(gateway.metricsUrl!).port, String(gateway.port));
      await postGraphQL(gateway.url, "query Ping { __typename }");
      const text = await scrape(gateway.metricsUrl!);
      assert.equal(sample(text, "gateway_requests_total", { operation_name: "Ping", operation_type: "query", status: "200" }), 1);
      const onGatewayPort = await fetch(gateway.url.replace("/graphql", "/metrics"));
      assert.equal(onGatewayPort.status, 404);
      await onGatewayPort.text();
    } finally {
      await gateway.stop();
    }
  });

  it("is absent when metrics are off", async () => {
    const gateway = await startTestGateway({ readiness: { checkSubgraphs: false }, telemetry: { metrics: { enabled: false } } });
    try {
      assert.equal(gateway.metricsUrl, undefined);
      const res = await fetch(gateway.url.replace("/graphql", "/metrics"));
      assert.equal(res.status, 404);
      await res.text();
    } finally {
      await gateway.stop();
    }
  });
});
