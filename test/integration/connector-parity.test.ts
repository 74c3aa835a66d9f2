/**
 * Policy parity: one table of cases runs against a GraphQL subgraph (payments) and the REST
 * service behind connectors (the payment provider), each as two instances behind fault proxies
 * (real TCP, a real dead port, a real dropped connection), and expects the same outcome.
 */
import assert from "node:assert/strict";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { after, before, describe, it } from "node:test";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.ts";
import { postGraphQL, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { gql, tokensFor } from "../helpers/subgraphs.ts";

type Tokens = Record<"alice" | "admin", string>;

/** One backend kind: how to send it a query and a mutation through the gateway, and count what each proxy received. */
interface Kind {
  name: string;
  subgraph: "payments" | "payment-provider";
  query(tokens: Tokens): Promise<{ errors?: Array<{ extensions?: Record<string, unknown> }> }>;
  mutation(tokens: Tokens): Promise<{ errors?: Array<{ extensions?: Record<string, unknown> }> }>;
  sent(proxy: FaultProxy, what: "query" | "mutation"): number;
}

describe("policy parity between a GraphQL subgraph and a REST service behind connectors", () => {
  let subgraphs: TestSubgraphs;
  let gateway: TestGateway;
  let tokens: Tokens;
  const proxies: Record<string, FaultProxy[]> = {};
  let seq = 0;
  const exporter = new InMemorySpanExporter();
  const ask = async (query: string, token: string, variables?: Record<string, unknown>) => (await postGraphQL(gateway.url, query, variables, { authorization: `Bearer ${token}` })).body;

  const kinds: Kind[] = [
    {
      name: "GraphQL subgraph (payments)",
      subgraph: "payments",
      query: (t) => ask(`{ orders(first: 3) { edges { node { id payment { status } } } } }`, t.alice),
      mutation: async (t) => {
        const placed = await gql(subgraphs.orders.url, `mutation { placeOrder(input: { items: [{ sku: "SKU-MUG", quantity: 1 }] }) { id } }`, { token: t.alice });
        return ask(`mutation ($id: ID!, $key: String!) { payOrder(orderId: $id, idempotencyKey: $key) { id } }`, t.alice, { id: placed.data!.placeOrder.id, key: `parity-${seq++}` });
      },
      sent: (p, what) => p.count(what === "query" ? "_entities" : "payOrder"),
    },
    {
      name: "REST service (payment provider)",
      subgraph: "payment-provider",
      query: (t) => ask(`{ providerCharge(id: "ch_p2") { status } }`.replace("ch_p2", seededCharge()), t.admin),
      mutation: async (t) => {
        const response = await fetch(`${subgraphs.provider.url}/v1/charges`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": `parity-charge-${seq}` }, body: JSON.stringify({ amount: 100 }) });
        const charge = ((await response.json()) as { id: string }).id;
        return ask(`mutation ($c: ID!, $k: String!) { refundCharge(chargeId: $c, idempotencyKey: $k) { id } }`, t.admin, { c: charge, k: `parity-${seq++}` });
      },
      // The connector's GETs have empty bodies; the refund's body names the charge.
      sent: (p, what) => (what === "query" ? p.bodies.filter((b) => b === "").length : p.count('"charge":')),
    },
  ];
  const seededCharge = () => subgraphs.provider.db.prepare("SELECT id FROM charges WHERE status = 'succeeded' AND idempotency_key IS NULL LIMIT 1").pluck().get() as string;
  const total = (kind: Kind, what: "query" | "mutation") => proxies[kind.subgraph]!.reduce((n, p) => n + kind.sent(p, what), 0);
  const reset = async () => {
    for (const list of Object.values(proxies)) for (const p of list) {
      p.delayMs = 0;
      p.dropAnswers = false;
      await p.revive();
    }
  };

  before(async () => {
    subgraphs = await startTestSubgraphs();
    // Two proxies in front of one backend: two instances as far as the gateway can tell.
    for (const [name, url] of [["payments", subgraphs.payments.url], ["payment-provider", subgraphs.provider.url]] as const) {
      proxies[name] = [await startFaultProxy(url), await startFaultProxy(url)];
    }
    const instances = (name: string) => ({ instances: proxies[name]!.map((p) => ({ url: p.url, weight: 1 })), balancer: "round-robin" as const });
    gateway = await startTestGateway({
      auth: demoAuth(subgraphs),
      telemetry: { tracing: { enabled: true } },
      // Each case counts fetches; identical operations of one caller must not share an execution here.
      operations: { shareInFlight: false },
      subgraphs: {
        ...subgraphs.routing,
        // No active checks or ejection: each case sees the retry rule alone.
        all: { healthCheck: { enabled: false }, outlierDetection: { enabled: false }, timeoutMs: 1_000 },
        payments: instances("payments"),
        "payment-provider": instances("payment-provider"),
      },
    }, { captureLogs: true, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    tokens = await tokensFor(subgraphs.auth.url, ["alice", "admin"]);
  });
  after(async () => {
    await gateway.stop();
    for (const list of Object.values(proxies)) for (const p of list) await p.close();
    await subgraphs.close();
  });

  for (const kind of kinds) {
    describe(kind.name, () => {
      it("spreads queries over both instances (round robin)", async () => {
        await reset();
        const before = proxies[kind.subgraph]!.map((p) => kind.sent(p, "query"));
        for (let i = 0; i < 4; i++) assert.equal((await kind.query(tokens)).errors, undefined);
        assert.deepEqual(proxies[kind.subgraph]!.map((p, i) => kind.sent(p, "query") - before[i]!), [2, 2]);
      });

      it("retries a query on the other instance when one is down", async () => {
        await reset();
        await proxies[kind.subgraph]![0]!.kill();
        for (let i = 0; i < 2; i++) assert.equal((await kind.query(tokens)).errors, undefined);
      });

      it("retries a mutation when its instance refused the connection (it never arrived)", async () => {
        await reset();
        await proxies[kind.subgraph]![0]!.kill();
        for (let i = 0; i < 2; i++) assert.equal((await kind.mutation(tokens)).errors, undefined);
      });

      it("retries a query whose connection dropped after sending, and never a mutation", async () => {
        await reset();
        proxies[kind.subgraph]![0]!.dropAnswers = true;
        for (let i = 0; i < 2; i++) assert.equal((await kind.query(tokens)).errors, undefined);
        const before = total(kind, "mutation");
        const results = [await kind.mutation(tokens), await kind.mutation(tokens)];
        assert.equal(total(kind, "mutation") - before, 2, "each mutation was sent once");
        assert.equal(results.filter((r) => r.errors).length, 1, "the one that met the dropped connection failed");
        assert.equal(results.find((r) => r.errors)!.errors![0]!.extensions!.code, "SUBGRAPH_UNAVAILABLE");
      });

      it("shares one fetch between identical queries in flight (dedup)", async () => {
        await reset();
        for (const p of proxies[kind.subgraph]!) p.delayMs = 200;
        const before = total(kind, "query");
        const results = await Promise.all([kind.query(tokens), kind.query(tokens)]);
        assert.deepEqual(results.map((r) => r.errors), [undefined, undefined]);
        assert.equal(total(kind, "query") - before, 1);
      });

      it("opens a span per fetch, propagates the trace to the backend, and labels the fetch in metrics and the access log", async () => {
        await reset();
        exporter.reset();
        const mark = proxies[kind.subgraph]!.map((p) => p.traceparents.length);
        assert.equal((await kind.query(tokens)).errors, undefined);
        const span = exporter.getFinishedSpans().find((s) => s.name === `subgraph ${kind.subgraph}`);
        assert.ok(span, "a client span for the fetch");
        const sent = proxies[kind.subgraph]!.flatMap((p, i) => p.traceparents.slice(mark[i]));
        assert.equal(sent.length, 1);
        assert.equal(sent[0]?.split("-")[1], span.spanContext().traceId, "the backend received the trace context");
        const metrics = await (await fetch(gateway.metricsUrl!)).text();
        assert.match(metrics, new RegExp(`gateway_subgraph_fetch_duration_seconds_count\\{subgraph="${kind.subgraph}"`));
        const line = gateway.logs.findLast((l) => Array.isArray(l.fetches) && (l.fetches as Array<{ subgraph: string }>).some((f) => f.subgraph === kind.subgraph));
        assert.ok(line, "the access log line lists the fetch with its subgraph");
      });

      it("fails a fetch slower than timeoutMs with SUBGRAPH_TIMEOUT, not retried", async () => {
        await reset();
        for (const p of proxies[kind.subgraph]!) p.delayMs = 1_500;
        const before = total(kind, "query");
        const result = await kind.query(tokens);
        assert.equal(result.errors?.[0]?.extensions?.code, "SUBGRAPH_TIMEOUT");
        assert.equal(total(kind, "query") - before, 1);
      });
    });
  }
});

describe("cost and rate limits on a field joined through REST", () => {
  let subgraphs: TestSubgraphs;
  let gateway: TestGateway;
  let admin: string;
  const refund = async (key: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${subgraphs.provider.url}/v1/charges`, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": `limits-${key}` }, body: JSON.stringify({ amount: 100 }) });
    const charge = ((await response.json()) as { id: string }).id;
    return postGraphQL(gateway.url, `mutation ($c: ID!, $k: String!) { refundCharge(chargeId: $c, idempotencyKey: $k) { id } }`, { c: charge, k: key }, { authorization: `Bearer ${admin}`, ...headers });
  };

  before(async () => {
    subgraphs = await startTestSubgraphs();
    gateway = await startTestGateway({
      auth: demoAuth(subgraphs),
      subgraphs: { ...subgraphs.routing, all: { healthCheck: { enabled: false } } },
      limits: { routes: { "Mutation.refundCharge": { max: 1, windowMs: 60_000 } } },
    });
    admin = (await tokensFor(subgraphs.auth.url, ["admin"])).admin;
  });
  after(async () => {
    await gateway.stop();
    await subgraphs.close();
  });

  it("counts the connector field's @cost in the estimate and refuses past its route limit before the provider is called", async () => {
    const first = await refund("limits-1", { "x-cost-report": "1" });
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    assert.ok(((first.body.extensions?.cost as { estimated: number }).estimated) >= 10, "refundCharge is @cost(weight: 10)");
    const refunds = () => subgraphs.provider.received.filter((r) => r.url === "/v1/refunds").length;
    const sent = refunds();
    const second = await refund("limits-2");
    assert.equal(second.status, 429);
    assert.equal(second.body.errors![0]!.extensions!.limit, "route:Mutation.refundCharge");
    assert.equal(refunds(), sent, "the provider never saw the refused refund");
  });
});

describe("each balancing algorithm over REST instances as over GraphQL instances", () => {
  for (const balancer of ["round-robin", "weighted-round-robin", "least-outstanding", "consistent-hash"] as const) {
    it(`${balancer}: the same picks for the REST service as for the GraphQL subgraph`, async () => {
      const subgraphs = await startTestSubgraphs();
      const proxies = {
        payments: [await startFaultProxy(subgraphs.payments.url), await startFaultProxy(subgraphs.payments.url)],
        "payment-provider": [await startFaultProxy(subgraphs.provider.url), await startFaultProxy(subgraphs.provider.url)],
      };
      const instances = (name: keyof typeof proxies) => ({ instances: proxies[name].map((p) => ({ url: p.url, weight: 1 })), balancer, hashKey: "consumer" as const });
      const gateway = await startTestGateway({
        auth: demoAuth(subgraphs),
        operations: { shareInFlight: false },
        subgraphs: { ...subgraphs.routing, all: { healthCheck: { enabled: false } }, payments: instances("payments"), "payment-provider": instances("payment-provider") },
      });
      try {
        const admin = (await tokensFor(subgraphs.auth.url, ["admin"])).admin;
        const charge = subgraphs.provider.db.prepare("SELECT id FROM charges LIMIT 1").pluck().get() as string;
        for (let i = 0; i < 4; i++) {
          const r = await postGraphQL(gateway.url, `{ orders(first: 2) { edges { node { payment { status } } } } providerCharge(id: "${charge}") { status } }`, undefined, { authorization: `Bearer ${admin}` });
          assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
        }
        const picks = {
          graphql: proxies.payments.map((p) => p.count("_entities")),
          rest: proxies["payment-provider"].map((p) => p.bodies.filter((b) => b === "").length),
        };
        assert.deepEqual([picks.rest.reduce((a, b) => a + b), picks.graphql.reduce((a, b) => a + b)], [4, 4]);
        // least-outstanding breaks ties at random (sequential requests always tie): only the total is
        // fixed. consistent-hash sends one caller to one instance, which one depends on the URLs hashed.
        if (balancer === "consistent-hash") for (const p of [picks.rest, picks.graphql]) assert.deepEqual([...p].sort(), [0, 4], JSON.stringify(picks));
        else if (balancer !== "least-outstanding") assert.deepEqual(picks.rest, picks.graphql, `${balancer} picked alike: ${JSON.stringify(picks)}`);
      } finally {
        await gateway.stop();
        for (const p of Object.values(proxies).flat()) await p.close();
        await subgraphs.close();
      }
    });
  }
});
