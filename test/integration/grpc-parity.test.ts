/**
 * Policy parity for a gRPC subgraph: the cases test/integration/connector-parity.test.ts runs
 * against a GraphQL subgraph and the REST service, run against the routing service (two real
 * grpc-js servers on 127.0.0.1 behind the routing subgraph): balancing, retry when an instance is
 * down, dedup, a span per fetch with the trace in the metadata, the subgraph label in metrics and
 * the access log, timeout, ejection, @authenticated, route limits, and every balancing algorithm.
 * There is no mutation RPC in routing.proto, so the mutation cases have no gRPC counterpart.
 */
import assert from "node:assert/strict";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { createRoutingService, type RoutingService } from "../../services/routing/index.ts";
import { postGraphQL, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { TEST_LOG_LEVEL, tokensFor } from "../helpers/subgraphs.ts";

const ROUTE = `{ deliveryRoute(deliveryId: "d1") { deliveryId status } }`;
const startService = (port = 0) => createRoutingService({ port, logLevel: TEST_LOG_LEVEL });

describe("policy parity for a gRPC service joined as a subgraph", () => {
  let subgraphs: TestSubgraphs;
  let gateway: TestGateway;
  let alice: string;
  let services: RoutingService[];
  const exporter = new InMemorySpanExporter();
  /** An empty token asks anonymously. */
  const ask = async (query = ROUTE, token = alice) => (await postGraphQL(gateway.url, query, undefined, token ? { authorization: `Bearer ${token}` } : {})).body;
  const counts = () => services.map((s) => s.received.length);
  const since = (from: number[]) => services.map((s, i) => s.received.length - from[i]!);
  /** Puts both instances back as they started: answering at once, on their ports. */
  const reset = async () => {
    for (const [i, s] of services.entries()) {
      s.failWith = undefined;
      s.delayMs = 0;
      if (s.closed) services[i] = await startService(s.port);
    }
  };

  before(async () => {
    subgraphs = await startTestSubgraphs();
    services = [await startService(), await startService()];
    gateway = await startTestGateway(
      {
        auth: demoAuth(subgraphs),
        telemetry: { tracing: { enabled: true } },
        operations: { shareInFlight: false },
        limits: { routes: { "Query.deliveryRoute": { max: 1_000, windowMs: 60_000 } } },
        subgraphs: {
          ...subgraphs.routing,
          all: { healthCheck: { enabled: false }, outlierDetection: { enabled: false }, timeoutMs: 1_000 },
          routing: { instances: services.map((s) => ({ url: `grpc://${s.address}`, weight: 1 })), balancer: "round-robin" },
        },
      },
      { captureLogs: true, spanProcessors: [new SimpleSpanProcessor(exporter)] },
    );
    alice = (await tokensFor(subgraphs.auth.url, ["alice"])).alice;
  });
  after(async () => {
    await gateway.stop();
    await Promise.all(services.map((s) => s.close()));
    await subgraphs.close();
  });

  it("spreads queries over both instances (round robin)", async () => {
    await reset();
    const from = counts();
    for (let i = 0; i < 4; i++) assert.equal((await ask()).errors, undefined);
    assert.deepEqual(since(from), [2, 2]);
  });

  it("retries a query on the other instance when one is down", async () => {
    await reset();
    await services[0]!.close();
    for (let i = 0; i < 2; i++) assert.equal((await ask()).errors, undefined);
  });

  it("shares one fetch between identical queries in flight (dedup)", async () => {
    await reset();
    for (const s of services) s.delayMs = 200;
    const from = counts();
    const results = await Promise.all([ask(), ask()]);
    assert.deepEqual(results.map((r) => r.errors), [undefined, undefined]);
    assert.equal(since(from).reduce((a, b) => a + b), 1);
  });

  it("opens a span per fetch, propagates the trace to the backend as metadata, and labels the fetch in metrics and the access log", async () => {
    await reset();
    exporter.reset();
    const from = counts();
    assert.equal((await ask()).errors, undefined);
    const span = exporter.getFinishedSpans().find((s) => s.name === "subgraph routing");
    assert.ok(span, "a client span for the fetch");
    const calls = services.flatMap((s, i) => s.received.slice(from[i]));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.traceparent?.split("-")[1], span.spanContext().traceId, "the service received the trace context");
    const metrics = await (await fetch(gateway.metricsUrl!)).text();
    assert.match(metrics, /gateway_subgraph_fetch_duration_seconds_count\{subgraph="routing"/);
    const line = gateway.logs.findLast((l) => Array.isArray(l.fetches) && (l.fetches as Array<{ subgraph: string }>).some((f) => f.subgraph === "routing"));
    assert.ok(line, "the access log line lists the fetch with its subgraph");
  });

  it("fails a fetch slower than timeoutMs with SUBGRAPH_TIMEOUT, not retried", async () => {
    await reset();
    for (const s of services) s.delayMs = 1_500;
    const from = counts();
    const result = await ask();
    assert.equal(result.errors?.[0]?.extensions?.code, "SUBGRAPH_TIMEOUT", JSON.stringify(result.errors));
    assert.equal(since(from).reduce((a, b) => a + b), 1);
  });

  it("refuses @authenticated fields to an anonymous caller before any RPC", async () => {
    await reset();
    const from = counts();
    const result = await ask(ROUTE, "");
    // The demo's auth.onUnauthorized is "filter": the field is null with this code, the rest answered.
    assert.equal(result.errors?.[0]?.extensions?.code, "UNAUTHORIZED_FIELD_OR_TYPE", JSON.stringify(result.errors));
    assert.equal((result.data as Record<string, unknown>).deliveryRoute, null);
    assert.deepEqual(since(from), [0, 0]);
  });
});

describe("ejection and limits for a gRPC subgraph", () => {
  let subgraphs: TestSubgraphs;
  let gateway: TestGateway;
  let alice: string;
  let services: RoutingService[];
  const ask = async () => postGraphQL(gateway.url, ROUTE, undefined, { authorization: `Bearer ${alice}` });

  before(async () => {
    subgraphs = await startTestSubgraphs();
    services = [await startService(), await startService()];
    gateway = await startTestGateway({
      auth: demoAuth(subgraphs),
      operations: { shareInFlight: false },
      limits: { routes: { "Query.deliveryRoute": { max: 8, windowMs: 60_000 } } },
      subgraphs: {
        ...subgraphs.routing,
        all: { healthCheck: { enabled: false } },
        routing: { instances: services.map((s) => ({ url: `grpc://${s.address}`, weight: 1 })), balancer: "round-robin", outlierDetection: { consecutiveFailures: 2 } },
      },
    });
    alice = (await tokensFor(subgraphs.auth.url, ["alice"])).alice;
  });
  after(async () => {
    await gateway.stop();
    await Promise.all(services.map((s) => s.close()));
    await subgraphs.close();
  });

  it("ejects an instance that keeps answering UNAVAILABLE, then sends it nothing; past the route limit it answers 429 before any RPC", async () => {
    services[0]!.failWith = grpc.status.UNAVAILABLE;
    for (let i = 0; i < 4; i++) assert.equal((await ask()).body.errors, undefined, "every query answered by the other instance");
    const failed = services[0]!.received.length;
    assert.equal(failed, 2, "two failures eject it");
    for (let i = 0; i < 4; i++) assert.equal((await ask()).body.errors, undefined);
    assert.equal(services[0]!.received.length, failed, "the ejected instance got no call");
    const sent = services.map((s) => s.received.length);
    const limited = await ask();
    assert.equal(limited.status, 429);
    assert.deepEqual(services.map((s) => s.received.length), sent, "the service never saw the refused request");
  });
});

describe("each balancing algorithm over gRPC instances", () => {
  for (const balancer of ["round-robin", "weighted-round-robin", "least-outstanding", "consistent-hash"] as const) {
    it(`${balancer}: picks gRPC instances as it picks GraphQL ones`, async () => {
      const subgraphs = await startTestSubgraphs();
      const services = [await startService(), await startService()];
      const gateway = await startTestGateway({
        auth: demoAuth(subgraphs),
        operations: { shareInFlight: false },
        subgraphs: {
          ...subgraphs.routing,
          all: { healthCheck: { enabled: false } },
          routing: { instances: services.map((s) => ({ url: `grpc://${s.address}`, weight: 1 })), balancer, hashKey: "consumer" },
        },
      });
      try {
        const alice = (await tokensFor(subgraphs.auth.url, ["alice"])).alice;
        for (let i = 0; i < 4; i++) {
          const r = await postGraphQL(gateway.url, ROUTE, undefined, { authorization: `Bearer ${alice}` });
          assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
        }
        const picks = services.map((s) => s.received.length);
        assert.equal(picks[0]! + picks[1]!, 4);
        // As for GraphQL instances: round robin alternates; consistent-hash keeps one caller on one
        // instance; least-outstanding breaks ties at random (sequential requests always tie).
        if (balancer === "consistent-hash") assert.deepEqual([...picks].sort(), [0, 4]);
        else if (balancer !== "least-outstanding") assert.deepEqual(picks, [2, 2]);
      } finally {
        await gateway.stop();
        await Promise.all(services.map((s) => s.close()));
        await subgraphs.close();
      }
    });
  }
});
