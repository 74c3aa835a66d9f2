import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import pino from "pino";
import type { InstanceSender } from "../../../gateway/src/balancing/instance.ts";
import { seededRandom } from "../../../gateway/src/balancing/random.ts";
import { BalancedUpstream } from "../../../gateway/src/balancing/upstream.ts";
import { validateConfig } from "../../../gateway/src/config/load.ts";
import type { GatewayConfigInput } from "../../../gateway/src/config/schema.ts";
import { SubgraphRegistry } from "../../../gateway/src/subgraph/registry.ts";
import { SubgraphFetchError, type OperationKind, type SubgraphFailureKind, type SubgraphRequest } from "../../../gateway/src/subgraph/types.ts";

type Behaviour = "ok" | SubgraphFailureKind;

/** A fake instance: answers or fails as told, and counts what it was sent. */
class FakeSender implements InstanceSender {
  sent: string[] = [];
  constructor(
    readonly url: string,
    public behaviour: Behaviour = "ok",
  ) {}
  async send(request: SubgraphRequest) {
    this.sent.push(request.operationKind);
    if (this.behaviour === "ok") return { status: 200, body: { data: { __typename: "Query" } }, instance: this.url };
    throw new SubgraphFetchError(this.behaviour, request.subgraph, this.url, this.behaviour, this.behaviour === "status" ? 503 : undefined);
  }
  async close() {}
}

function upstream(urls: string[], settings: NonNullable<GatewayConfigInput["subgraphs"]>["all"] = {}) {
  let t = 1_000_000;
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, new Writable({ write: (chunk: Buffer, _e, cb) => (logs.push(JSON.parse(chunk.toString())), cb()) }));
  const config = validateConfig({ subgraphs: { all: { healthCheck: { enabled: false }, ...settings }, orders: { instances: urls.map((url) => ({ url })) } } }, {});
  const subgraph = new SubgraphRegistry({ config, logger }).resolve("orders", urls[0]!);
  const senders = new Map<string, FakeSender>();
  const u = new BalancedUpstream({
    subgraph,
    logger,
    createSender: (url) => {
      const s = new FakeSender(url);
      senders.set(url, s);
      return s;
    },
    now: () => t,
    random: seededRandom(1),
  });
  return { u, senders: (url: string) => senders.get(url)!, logs, advance: (ms: number) => void (t += ms) };
}

function request(operationKind: OperationKind = "query"): SubgraphRequest {
  return { subgraph: "orders", operationKind, body: { query: "{ __typename }" }, headers: {}, context: undefined, signal: undefined };
}

const A = "http://a/graphql";
const B = "http://b/graphql";

describe("a balanced upstream", () => {
  const retries: Array<{ failure: SubgraphFailureKind; op: OperationKind; retried: boolean }> = [
    { failure: "reset", op: "query", retried: true },
    { failure: "connect", op: "query", retried: true },
    { failure: "status", op: "query", retried: true },
    { failure: "connect", op: "mutation", retried: true },
    { failure: "reset", op: "mutation", retried: false },
    { failure: "status", op: "mutation", retried: false },
    { failure: "timeout", op: "query", retried: false },
  ];
  for (const c of retries) {
    it(`${c.retried ? "retries" : "does not retry"} a ${c.op} that failed with ${c.failure} ${c.retried ? "on the other instance" : ""}`, async () => {
      const { u, senders } = upstream([A, B], { balancer: "weighted-round-robin" });
      senders(A).behaviour = c.failure;
      const call = u.call(request(c.op));
      if (c.retried) assert.equal((await call).instance, B);
      else await assert.rejects(call, (e: unknown) => e instanceof SubgraphFetchError && e.kind === c.failure);
      assert.deepEqual(senders(A).sent, [c.op]);
      assert.deepEqual(senders(B).sent, c.retried ? [c.op] : []);
    });
  }

  it("retries at most once", async () => {
    const { u, senders } = upstream([A, B, "http://c/graphql"], { balancer: "weighted-round-robin" });
    for (const url of [A, B, "http://c/graphql"]) senders(url).behaviour = "reset";
    await assert.rejects(u.call(request()), /reset/);
    assert.equal(senders(A).sent.length + senders(B).sent.length + senders("http://c/graphql").sent.length, 2);
  });

  it("stops retrying when the budget is spent", async () => {
    const { u, senders } = upstream([A, B], { balancer: "weighted-round-robin", retry: { budgetRatio: 0, minPerSecond: 0.1, windowMs: 10_000 }, outlierDetection: { enabled: false } });
    senders(A).behaviour = "connect";
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) outcomes.push(await u.call(request()).then(() => "ok", () => "failed"));
    // wrr alternates a, b: calls 0, 2, 4 start on a; a budget of one retry saves only the first.
    assert.deepEqual(outcomes, ["ok", "ok", "failed", "ok", "failed", "ok"]);
  });

  it("ejects an instance after consecutive failures, sends it nothing more, and logs the change", async () => {
    const { u, senders, logs } = upstream([A, B], { outlierDetection: { consecutiveFailures: 3 } });
    senders(A).behaviour = "connect";
    for (let i = 0; i < 10; i++) assert.equal((await u.call(request())).instance, B);
    assert.equal(senders(A).sent.length, 3);
    const [a] = u.snapshot().instances;
    assert.equal(a!.state, "ejected");
    assert.equal(a!.ejections, 1);
    const line = logs.find((l) => l.msg === "upstream instance out of rotation");
    assert.equal(line?.instance, A);
    assert.equal(line?.to, "ejected");
    assert.equal(line?.ejectionMs, 10_000);
  });

  it("fails fast with no-instance when every instance is out of rotation", async () => {
    const { u, senders } = upstream([A, B], { outlierDetection: { consecutiveFailures: 1, maxEjectedPercent: 100 } });
    senders(A).behaviour = "connect";
    senders(B).behaviour = "connect";
    await assert.rejects(u.call(request()));
    await assert.rejects(u.call(request()), (e: unknown) => e instanceof SubgraphFetchError && e.kind === "no-instance" && !e.mayHaveReachedSubgraph);
    assert.deepEqual(u.snapshot().instances.map((i) => i.state), ["ejected", "ejected"]);
  });

  it("brings an ejected instance back when its ejection is over (health checks off)", async () => {
    const { u, senders, advance } = upstream([A, B], { outlierDetection: { consecutiveFailures: 1, baseEjectionMs: 1_000 } });
    senders(A).behaviour = "connect";
    for (let i = 0; i < 4; i++) await u.call(request());
    assert.equal(u.snapshot().instances[0]!.state, "ejected");
    senders(A).behaviour = "ok";
    advance(1_000);
    const used = new Set<string>();
    for (let i = 0; i < 4; i++) used.add((await u.call(request())).instance);
    assert.deepEqual([...used].sort(), [A, B]);
    assert.equal(u.snapshot().instances[0]!.state, "healthy");
  });

  it("counts requests in flight per instance", async () => {
    const { u, senders } = upstream([A]);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const original = senders(A).send.bind(senders(A));
    senders(A).send = async (req) => (await gate, original(req));
    const calls = [u.call(request()), u.call(request())];
    assert.equal(u.snapshot().instances[0]!.inFlight, 2);
    release();
    await Promise.all(calls);
    assert.equal(u.snapshot().instances[0]!.inFlight, 0);
  });
});
