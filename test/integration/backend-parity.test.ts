/**
 * Policy parity: one table of cases runs against each kind of backend the gateway joins (a
 * GraphQL subgraph, the REST service behind connectors, the gRPC service; test/helpers/backend-kinds.ts),
 * two real instances each, and expects the same outcome: balancing (each algorithm), retry of a
 * query on the other instance and never of a mutation that may have arrived, timeout, ejection,
 * in-flight dedup, identity forwarding and propagated headers, @authenticated / @requiresScopes
 * before any call, @cost, route limits and consumer budgets before any call, a span per fetch with
 * the trace reaching the backend, the subgraph label in metrics and the access log. README
 * "Policy parity across backends" lists the cases and the differences between kinds.
 */
import assert from "node:assert/strict";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { after, before, describe, it } from "node:test";
import { KINDS, type Kind, type ParityContext, type Tokens } from "../helpers/backend-kinds.ts";
import type { TestGateway } from "../helpers/gateway.ts";
import { counts, mark, since, startParityGateway, sum, type Instances } from "../helpers/parity-gateway.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { tokensFor } from "../helpers/subgraphs.ts";

describe("policy parity between a GraphQL subgraph, a REST service and a gRPC service", () => {
  let subgraphs: TestSubgraphs;
  let tokens: Tokens;
  let gateway: TestGateway;
  const instances: Instances = new Map();
  const exporter = new InMemorySpanExporter();
  const ctx = (g: () => TestGateway): ParityContext => ({ subgraphs, tokens, gatewayUrl: () => g().url });
  /** Every instance back as it started; a gRPC channel that saw its instance die reconnects with backoff, so wait until each instance answers again. */
  const reset = async (g: () => TestGateway = () => gateway) => {
    for (const [kind, list] of instances) {
      const restarted = [];
      for (const i of list) if (await i.reset()) restarted.push(i);
      for (const i of restarted) {
        const deadline = Date.now() + 10_000;
        const from = i.calls().length;
        while (i.calls().length === from) {
          if (Date.now() > deadline) throw new Error(`${kind.name}: a restarted instance got no call in 10 s`);
          await kind.query(ctx(g));
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  };

  before(async () => {
    subgraphs = await startTestSubgraphs();
    for (const kind of KINDS) instances.set(kind, await kind.start(subgraphs));
    gateway = await startParityGateway(subgraphs, instances, { telemetry: { tracing: { enabled: true } } }, { balancer: "round-robin", propagateHeaders: ["x-tenant-id"] }, {
      captureLogs: true,
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    tokens = await tokensFor(subgraphs.auth.url, ["alice", "carol", "admin"]);
  });
  after(async () => {
    await gateway?.stop();
    for (const list of instances.values()) for (const i of list) await i.close();
    await subgraphs?.close();
  });

  for (const kind of KINDS) {
    describe(kind.name, () => {
      const of = () => instances.get(kind)!;
      const c = () => ctx(() => gateway);

      it("spreads queries over both instances (round robin)", async () => {
        await reset();
        const from = mark(of());
        for (let i = 0; i < 4; i++) assert.equal((await kind.query(c())).body.errors, undefined);
        assert.deepEqual(counts(since(of(), from, "query")), [2, 2]);
      });

      it("retries a query on the other instance when one is down", async () => {
        await reset();
        await of()[0]!.kill();
        const from = mark(of());
        for (let i = 0; i < 2; i++) assert.equal((await kind.query(c())).body.errors, undefined);
        assert.deepEqual(counts(since(of(), from, "query")), [0, 2], "the live instance answered both");
      });

      it("retries a mutation when its instance refused the connection (it never arrived)", async () => {
        await reset();
        await of()[0]!.kill();
        const from = mark(of());
        for (let i = 0; i < 2; i++) {
          const result = await kind.mutation(c());
          assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
        }
        assert.deepEqual(counts(since(of(), from, "mutation")), [0, 2], "both mutations ran once, on the live instance");
      });

      for (const lost of kind.lostAnswers) {
        it(`retries a query when ${lost.name}, and never a mutation (${lost.code})`, async () => {
          await reset();
          of()[0]!.lose(lost);
          const from = mark(of());
          for (let i = 0; i < 2; i++) assert.equal((await kind.query(c())).body.errors, undefined);
          const [lostQueries, answered] = counts(since(of(), from, "query"));
          assert.ok(lostQueries! >= 1, "a query met the lost answer");
          assert.equal(answered, 2, "each query was answered by the other instance, the lost ones retried there");
          const before = mark(of());
          const results = [await kind.mutation(c()), await kind.mutation(c())];
          const [lostMutations, sent] = counts(since(of(), before, "mutation"));
          assert.equal(lostMutations! + sent!, 2, "each mutation was sent once");
          assert.ok(lostMutations! >= 1, "a mutation met the lost answer");
          const failed = results.filter((r) => r.body.errors);
          assert.equal(failed.length, lostMutations, "each one that met the lost answer failed, none went again");
          for (const r of failed) assert.equal(r.body.errors![0]!.extensions!.code, lost.code);
        });
      }

      it("fails a fetch slower than timeoutMs with SUBGRAPH_TIMEOUT, not retried", async () => {
        await reset();
        for (const i of of()) i.slow(1_500);
        const from = mark(of());
        const result = await kind.query(c());
        assert.equal(result.body.errors?.[0]?.extensions?.code, "SUBGRAPH_TIMEOUT", JSON.stringify(result.body.errors));
        assert.equal(sum(since(of(), from, "query")), 1);
      });

      it("shares one fetch between identical queries in flight (dedup)", async () => {
        await reset();
        for (const i of of()) i.slow(200);
        const from = mark(of());
        const results = await Promise.all([kind.query(c()), kind.query(c())]);
        assert.deepEqual(results.map((r) => r.body.errors), [undefined, undefined]);
        assert.equal(sum(since(of(), from, "query")), 1);
      });

      it("forwards the verified caller's identity: the backend sees who asks", async () => {
        await reset();
        const from = mark(of());
        // A header the client sets itself is never what the backend gets.
        assert.equal((await kind.query(c(), { "x-forwarded-authorization": "Bearer forged" })).body.errors, undefined);
        const calls = since(of(), from, "query").flat();
        assert.equal(calls.length, 1);
        assert.equal(calls[0]!.identity, `Bearer ${tokens[kind.queryCaller]}`);
      });

      it("propagates the client headers propagateHeaders names (as gRPC metadata for gRPC)", async () => {
        await reset();
        const from = mark(of());
        assert.equal((await kind.query(c(), { "x-tenant-id": "tenant-7", "x-not-listed": "no" })).body.errors, undefined);
        const calls = since(of(), from, "query").flat();
        assert.equal(calls.length, 1);
        assert.deepEqual([calls[0]!.header("x-tenant-id"), calls[0]!.header("x-not-listed")], ["tenant-7", undefined]);
      });

      it("refuses a joined field's @authenticated to an anonymous caller and its @requiresScopes to a caller without the scope, before any backend call", async () => {
        await reset();
        const from = mark(of());
        for (const [name, result] of [["@authenticated", await kind.unauthenticated(c())], ["@requiresScopes", await kind.unscoped(c())]] as const) {
          assert.equal(result.body.errors?.[0]?.extensions?.code, "UNAUTHORIZED_FIELD_OR_TYPE", `${name}: ${JSON.stringify(result.body.errors)}`);
        }
        assert.deepEqual(counts(since(of(), from)), [0, 0], "no instance received anything");
      });

      it("opens a span per fetch, propagates the trace to the backend, and labels the fetch in metrics and the access log", async () => {
        await reset();
        exporter.reset();
        const from = mark(of());
        assert.equal((await kind.query(c())).body.errors, undefined);
        const spans = exporter.getFinishedSpans().filter((s) => s.name === `subgraph ${kind.subgraph}`);
        assert.equal(spans.length, 1, "one client span for the one fetch");
        const calls = since(of(), from, "query").flat();
        assert.equal(calls.length, 1);
        assert.equal(calls[0]!.traceparent?.split("-")[1], spans[0]!.spanContext().traceId, "the backend received the trace context");
        const metrics = await (await fetch(gateway.metricsUrl!)).text();
        assert.match(metrics, new RegExp(`gateway_subgraph_fetch_duration_seconds_count\\{subgraph="${kind.subgraph}"`));
        const line = gateway.logs.findLast((l) => Array.isArray(l.fetches) && (l.fetches as Array<{ subgraph: string }>).some((f) => f.subgraph === kind.subgraph));
        assert.ok(line, "the access log line lists the fetch with its subgraph");
      });
    });
  }

  describe("ejection, cost and route limits", () => {
    let limited: TestGateway;
    before(async () => {
      await reset();
      limited = await startParityGateway(
        subgraphs,
        instances,
        { limits: { routes: Object.fromEntries(KINDS.map((k) => [k.mutationField, { max: 1, windowMs: 60_000 }])) } },
        { balancer: "round-robin", outlierDetection: { enabled: true, consecutiveFailures: 2 } },
      );
    });
    after(() => limited.stop());

    for (const kind of KINDS) {
      const of = () => instances.get(kind)!;
      const c = () => ctx(() => limited);

      it(`${kind.name}: ejects an instance that keeps failing, then sends it nothing`, async () => {
        await reset();
        of()[0]!.lose(kind.lostAnswers[0]!);
        const from = mark(of());
        for (let i = 0; i < 4; i++) assert.equal((await kind.query(c())).body.errors, undefined, "every query answered by the other instance");
        const failed = counts(since(of(), from, "query"))[0]!;
        assert.equal(failed, 2, "two failures eject it");
        for (let i = 0; i < 4; i++) assert.equal((await kind.query(c())).body.errors, undefined);
        assert.equal(counts(since(of(), from, "query"))[0], failed, "the ejected instance got no call");
      });

      it(`${kind.name}: counts the mutation's @cost and refuses it past its route limit with 429 and Retry-After, before any backend call`, async () => {
        await reset();
        const first = await kind.mutation(c(), { "x-cost-report": "1" });
        assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
        assert.ok((first.body.extensions?.cost as { estimated: number }).estimated >= kind.mutationCost, `${kind.mutationField} is @cost(weight: ${kind.mutationCost})`);
        const from = mark(of());
        const second = await kind.mutation(c());
        assert.equal(second.status, 429);
        assert.ok(Number(second.headers.get("retry-after")) > 0, "Retry-After says when");
        assert.equal(second.body.errors![0]!.extensions!.limit, `route:${kind.mutationField}`);
        assert.deepEqual(counts(since(of(), from)), [0, 0], "the backend never saw the refused mutation");
      });
    }
  });

  describe("consumer budgets", () => {
    let budgeted: TestGateway;
    const CAPACITY = 30;
    before(async () => {
      await reset();
      // Every caller of the table (alice and carol are customers, admin an admin) gets 30 cost units, refilled slowly.
      const tier = { capacity: CAPACITY, refillPerSecond: 0.01 };
      budgeted = await startParityGateway(subgraphs, instances, { limits: { tiers: { customer: tier, admin: tier } } }, { balancer: "round-robin" });
    });
    after(() => budgeted.stop());

    for (const kind of KINDS) {
      it(`${kind.name}: charges the mutation's @cost to its caller's budget and answers 429 with Retry-After once it is spent, before any backend call`, async () => {
        await reset();
        const from = mark(instances.get(kind)!);
        let accepted = 0;
        let refused: Awaited<ReturnType<Kind["mutation"]>> | undefined;
        for (let i = 0; i < 10 && !refused; i++) {
          const result = await kind.mutation(ctx(() => budgeted));
          if (result.status === 429) refused = result;
          else {
            assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
            accepted++;
          }
        }
        assert.ok(refused, "the budget ran out");
        assert.ok(Number(refused.headers.get("retry-after")) > 0, "Retry-After says when");
        assert.ok(accepted >= 1 && accepted <= Math.floor(CAPACITY / kind.mutationCost), `${accepted} accepted: each paid at least its @cost(weight: ${kind.mutationCost})`);
        assert.equal(sum(since(instances.get(kind)!, from, "mutation")), accepted, "the backend saw the accepted mutations only");
      });
    }
  });

  describe("identity with forwardIdentity off", () => {
    let anonymous: TestGateway;
    before(async () => {
      await reset();
      anonymous = await startParityGateway(subgraphs, instances, {}, { balancer: "round-robin", forwardIdentity: false });
    });
    after(() => anonymous.stop());

    for (const kind of KINDS) {
      it(`${kind.name}: the backend sees no identity`, async () => {
        await reset();
        const from = mark(of(kind));
        // The GraphQL subgraph checks identity itself and refuses the fields: only what it received matters here.
        await kind.query(ctx(() => anonymous));
        const calls = since(of(kind), from).flat();
        assert.ok(calls.length > 0, "the backend was called");
        assert.deepEqual(calls.map((call) => call.identity), calls.map(() => undefined));
      });
    }
    const of = (kind: Kind) => instances.get(kind)!;
  });

  describe("each balancing algorithm", () => {
    for (const balancer of ["round-robin", "weighted-round-robin", "least-outstanding", "consistent-hash"] as const) {
      it(`${balancer}: the same picks for every kind`, async () => {
        await reset();
        // Weighted: 3 to 1, so the weights show; the others ignore weights.
        const weighted = (kind: Kind) => ({ instances: instances.get(kind)!.map((i, n) => ({ url: i.url, weight: balancer === "weighted-round-robin" && n === 0 ? 3 : 1 })) });
        const g = await startParityGateway(subgraphs, instances, {}, { balancer, hashKey: "consumer" }, {}, weighted);
        try {
          const picks: Record<string, number[]> = {};
          for (const kind of KINDS) {
            const from = mark(instances.get(kind)!);
            for (let i = 0; i < 4; i++) {
              const r = await kind.query(ctx(() => g));
              assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
            }
            picks[kind.subgraph] = counts(since(instances.get(kind)!, from, "query"));
          }
          const all = Object.values(picks);
          for (const p of all) assert.equal(p[0]! + p[1]!, 4, JSON.stringify(picks));
          // least-outstanding breaks ties at random (sequential requests always tie): only the total is
          // fixed. consistent-hash keeps one caller on one instance, which one depends on the URLs hashed.
          if (balancer === "consistent-hash") for (const p of all) assert.deepEqual([...p].sort(), [0, 4], JSON.stringify(picks));
          else if (balancer === "weighted-round-robin") for (const p of all) assert.deepEqual(p, [3, 1], JSON.stringify(picks));
          else if (balancer === "round-robin") for (const p of all) assert.deepEqual(p, [2, 2], JSON.stringify(picks));
        } finally {
          await g.stop();
        }
      });
    }
  });
});
