/**
 * One table of policy cases, run over HTTP, SSE and graphql-ws alike: each transport enters the
 * same pipeline, so each answers with the same code (as an HTTP status, a refused event stream,
 * or a graphql-ws error message), the rate limit reports the same wait everywhere, and every
 * refusal shows up in the access log and the metrics, the WebSocket's included.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { postGraphQL, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { sample, scrape } from "../helpers/observed-system.ts";
import { tokensFor } from "../helpers/subgraphs.ts";
import { WsTestClient } from "../helpers/subscription-clients.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

type Transport = "http" | "sse" | "graphql-ws";
const transports: readonly Transport[] = ["http", "sse", "graphql-ws"];

interface Answer {
  readonly code: string | undefined;
  /** The HTTP status (SSE and HTTP), absent for graphql-ws. */
  readonly status: number | undefined;
  readonly retryAfter: number | undefined;
}

let subgraphs: TestSubgraphs;
let alice: string;
/** Auth, operation limits and a customer maxCost. */
let policed: TestGateway;
/** A safelist of one operation. */
let safelisted: TestGateway;
/** Anonymous callers share one tiny bucket. */
let throttled: TestGateway;

const roomy = { capacity: 100_000, refillPerSecond: 100_000 };
const health = { all: { healthCheck: { enabled: false } } };

before(async () => {
  subgraphs = await startTestSubgraphs();
  const routing = { ...subgraphs.routing, ...health };
  const dir = mkdtempSync(join(tmpdir(), "gw-parity-"));
  const manifest = join(dir, "manifest.json");
  writeFileSync(manifest, JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id: "listed", name: "Listed", type: "query", body: "query Listed { __typename }" }] }));
  policed = await startTestGateway(
    {
      subgraphs: routing,
      auth: demoAuth(subgraphs),
      operations: { limits: { maxDepth: 6, maxTokens: 200 } },
      limits: { tiers: { anonymous: roomy, customer: { ...roomy, maxCost: 5 }, partner: roomy, admin: roomy } },
    },
    { captureLogs: true },
  );
  safelisted = await startTestGateway({ subgraphs: routing, operations: { persisted: { manifest, mode: "safelist" } } }, { captureLogs: true });
  throttled = await startTestGateway(
    { subgraphs: routing, limits: { tiers: { anonymous: { capacity: 3, refillPerSecond: 0.001 }, customer: roomy, partner: roomy, admin: roomy } } },
    { captureLogs: true },
  );
  ({ alice } = await tokensFor(subgraphs.auth.url, ["alice"]));
});
after(async () => {
  for (const g of [policed, safelisted, throttled]) await g?.stop();
  await subgraphs?.close();
});

async function send(transport: Transport, url: string, query: string, token: string | undefined): Promise<Answer> {
  if (transport === "graphql-ws") {
    const ws = await WsTestClient.open(url, token ? { authorization: `Bearer ${token}` } : {});
    try {
      ws.subscribe("1", query);
      const m = await ws.waitFor((msg) => msg.id === "1" && (msg.type === "error" || msg.type === "next"), 10_000, "an answer");
      const error = m.type === "error" ? m.payload?.[0] : m.payload?.errors?.[0];
      return { code: error?.extensions?.code, status: undefined, retryAfter: error?.extensions?.retryAfterSeconds };
    } finally {
      await ws.close();
    }
  }
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: transport === "sse" ? "text/event-stream" : "application/graphql-response+json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  const type = res.headers.get("content-type") ?? "";
  const body = type.startsWith("text/event-stream") ? (await res.body?.cancel(), undefined) : ((await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> });
  const retry = res.headers.get("retry-after");
  return { code: body?.errors?.[0]?.extensions?.code, status: res.status, retryAfter: retry === null ? undefined : Number(retry) };
}

const typenames = (n: number) => Array.from({ length: n }, () => "__typename").join(" ");
const delivery = (selection: string) => `subscription { orderDeliveryUpdated(orderId: "o1") { ${selection} } }`;

interface PolicyCase {
  readonly name: string;
  readonly gateway: () => TestGateway;
  readonly code: string;
  readonly status: number;
  /** A refused event stream's status, when it differs from the plain request's. */
  readonly streamStatus?: number;
  readonly token: () => string | undefined;
  /** What a plain HTTP request sends (subscriptions are not plain requests), and what the streams send. */
  readonly query: string;
  readonly subscription: string;
}

const cases: PolicyCase[] = [
  {
    name: "an operation the safelist does not list",
    gateway: () => safelisted,
    code: "OPERATION_NOT_IN_SAFELIST",
    status: 400,
    token: () => undefined,
    query: "{ __typename }",
    subscription: delivery("id"),
  },
  {
    name: "an operation deeper than maxDepth",
    gateway: () => policed,
    code: "MAX_DEPTH_EXCEEDED",
    status: 400,
    token: () => alice,
    query: "{ me { orders { edges { node { delivery { order { id } } } } } } }",
    subscription: delivery("order { delivery { order { delivery { order { id } } } } }"),
  },
  {
    name: "an operation over maxTokens",
    gateway: () => policed,
    code: "MAX_TOKENS_EXCEEDED",
    status: 400,
    token: () => alice,
    query: `{ ${typenames(250)} }`,
    subscription: delivery(`id ${typenames(250)}`),
  },
  {
    name: "an anonymous caller asking for an @authenticated field",
    gateway: () => policed,
    code: "UNAUTHORIZED_FIELD_OR_TYPE",
    // A query keeps what it may read (here: user null, with the error); a subscription without its root field has nothing to run.
    status: 200,
    streamStatus: 403,
    token: () => undefined,
    query: `{ user(id: "u1") { id } }`,
    subscription: delivery("id"),
  },
  {
    name: "an operation estimated over the consumer's maxCost",
    gateway: () => policed,
    code: "COST_ESTIMATED_TOO_EXPENSIVE",
    status: 400,
    token: () => alice,
    query: "{ me { orders(first: 20) { edges { node { id } } } } }",
    subscription: delivery("id events { status at note }"),
  },
];

const errorsCounted = async (gateway: TestGateway, code: string) => sample(await scrape(gateway.metricsUrl!), "gateway_graphql_errors_total", { code });
const linesWith = (gateway: TestGateway, code: string, method: string) =>
  gateway.logs.filter((l) => l.msg === "request completed" && l.method === method && (l.errorCodes as string[] | undefined)?.includes(code)).length;

describe("the same policies on every transport", () => {
  for (const c of cases) {
    it(`answers ${c.name} with ${c.code} over HTTP, SSE and graphql-ws, and logs and counts each`, async () => {
      const gateway = c.gateway();
      const countedBefore = await errorsCounted(gateway, c.code);
      const before = { POST: linesWith(gateway, c.code, "POST"), WS: linesWith(gateway, c.code, "WS") };
      for (const transport of transports) {
        const answer = await send(transport, gateway.url, transport === "http" ? c.query : c.subscription, c.token());
        assert.equal(answer.code, c.code, `${transport}: ${JSON.stringify(answer)}`);
        if (transport !== "graphql-ws") assert.equal(answer.status, transport === "sse" ? (c.streamStatus ?? c.status) : c.status, `${transport} status`);
      }
      assert.equal((await errorsCounted(gateway, c.code)) - countedBefore, 3, "gateway_graphql_errors_total counts one per transport");
      assert.equal(linesWith(gateway, c.code, "POST") - before.POST, 2, "an access-log line for the HTTP request and the SSE request");
      assert.equal(linesWith(gateway, c.code, "WS") - before.WS, 1, "an access-log line for the graphql-ws subscription");
    });
  }

  it("refuses a consumer over its rate limit with RATE_LIMITED and the same wait on every transport", async () => {
    // Spend the anonymous bucket (capacity 3, barely refilling) over HTTP.
    for (let i = 0; i < 10; i++) {
      const r = await postGraphQL(throttled.url, "{ __typename }");
      if (r.status === 429) break;
    }
    const answers = [];
    for (const transport of transports) {
      const answer = await send(transport, throttled.url, transport === "http" ? "{ __typename }" : delivery("id"), undefined);
      assert.equal(answer.code, "RATE_LIMITED", `${transport}: ${JSON.stringify(answer)}`);
      if (transport !== "graphql-ws") assert.equal(answer.status, 429, `${transport} status`);
      assert.ok(answer.retryAfter !== undefined && answer.retryAfter > 0, `${transport} reports a wait`);
      answers.push(answer.retryAfter!);
    }
    // The bucket refills 0.001 per second: the wait may tick down by a second between requests.
    assert.ok(Math.max(...answers) - Math.min(...answers) <= 1, `waits ${answers.join(", ")}`);
    assert.ok(linesWith(throttled, "RATE_LIMITED", "WS") >= 1, "the graphql-ws refusal has its access-log line");
  });
});
