/**
 * Tracing across services: a cross-service query yields one trace holding the gateway's spans
 * (request, parse, validate, plan, execute, one client span per fetch) and a server span from
 * every subgraph it touched, joined through the W3C `traceparent` the gateway injects.
 * Subgraphs run in this process, so their spans reach the same in-memory exporter.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { postGraphQL } from "../helpers/gateway.ts";
import { CROSS_SERVICE_QUERY, loginThroughGateway, startObservedSystem, type ObservedSystem } from "../helpers/observed-system.ts";

const exporter = new InMemorySpanExporter();
let system: ObservedSystem;
let token: string;

before(async () => {
  system = await startObservedSystem({ telemetry: { tracing: { enabled: true } } }, { captureLogs: true, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  token = await loginThroughGateway(system.gateway.url);
});
after(() => system.close());

/** Spans end when responses close; give the last ones a moment. */
async function spansOfTrace(traceId: string): Promise<ReadableSpan[]> {
  await new Promise((r) => setTimeout(r, 50));
  return exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
}

describe("tracing", () => {
  it("puts the gateway's spans and every subgraph's server span under one trace id", async () => {
    exporter.reset();
    const result = await postGraphQL(system.gateway.url, CROSS_SERVICE_QUERY, undefined, { authorization: `Bearer ${token}` });
    assert.equal(result.status, 200);
    assert.equal(result.body.errors, undefined);
    await new Promise((r) => setTimeout(r, 50));
    const root = exporter.getFinishedSpans().find((s) => s.name === "POST /graphql" && s.instrumentationScope.name === "federated-gateway");
    assert.ok(root, "no server span for the request");
    assert.equal(root.parentSpanContext, undefined);
    const spans = await spansOfTrace(root.spanContext().traceId);
    const names = new Set(spans.map((s) => s.name));
    for (const name of ["graphql.parse", "graphql.validate", "gateway.request", "gateway.plan", "gateway.execute", "gateway.fetch"]) {
      assert.ok(names.has(name), `missing ${name}; have ${[...names].join(", ")}`);
    }
    assert.equal(spans.find((s) => s.name === "gateway.request")?.attributes["graphql.operation.name"], "MyOrders");

    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    for (const subgraph of ["auth", "orders", "delivery", "payments"]) {
      const client = spans.find((s) => s.name === `subgraph ${subgraph}`);
      assert.ok(client, `no client span for ${subgraph}`);
      assert.equal(client.kind, SpanKind.CLIENT);
      assert.equal(client.attributes["subgraph.name"], subgraph);
      assert.equal(client.attributes["url.full"], system.subgraphs.routing[subgraph as "auth"].url);
      assert.equal(client.attributes["http.response.status_code"], 200);
      const server = spans.find((s) => s.instrumentationScope.name === `subgraph.${subgraph}` && s.kind === SpanKind.SERVER);
      assert.ok(server, `no server span from the ${subgraph} subgraph in the trace`);
      const parent = byId.get(server.parentSpanContext?.spanId ?? "");
      assert.ok(parent, `the ${subgraph} server span's parent is not in the trace`);
      assert.equal(parent.instrumentationScope.name, "federated-gateway", `the ${subgraph} server span hangs under ${parent.name}`);
      assert.match(parent.name, /^subgraph /);
    }
  });

  it("continues the trace of a client that sends a traceparent", async () => {
    exporter.reset();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await postGraphQL(system.gateway.url, "query Ping { __typename }", undefined, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    const spans = await spansOfTrace(traceId);
    const root = spans.find((s) => s.name === "POST /graphql");
    assert.ok(root, "the request span did not join the client's trace");
    assert.equal(root.parentSpanContext?.spanId, "00f067aa0ba902b7");
    assert.equal(root.attributes["graphql.operation.name"], "Ping");
  });

  it("puts the trace id on the access-log line", async () => {
    exporter.reset();
    await postGraphQL(system.gateway.url, "query Traced { __typename }", undefined, { "x-request-id": "req-traced" });
    await new Promise((r) => setTimeout(r, 50));
    const root = exporter.getFinishedSpans().find((s) => s.name === "POST /graphql");
    assert.ok(root);
    const line = system.gateway.logs.find((l) => l.msg === "request completed" && l.requestId === "req-traced");
    assert.equal(line?.traceId, root.spanContext().traceId);
  });
});
