/**
 * The three kinds of backend the gateway joins into the graph, described alike for the policy
 * parity table (test/integration/backend-parity.test.ts): a GraphQL subgraph (payments), the REST
 * service behind connectors (the payment provider) and the gRPC service (routing). Each kind has
 * two real instances on 127.0.0.1 (HTTP kinds behind fault proxies, gRPC as two grpc-js servers),
 * a query and a mutation sent through the gateway, and a view of every call each instance
 * received: what it was, the identity it carried and its trace context, as the backend saw them.
 */
import * as grpc from "@grpc/grpc-js";
import { createRoutingService, type RoutingService } from "../../services/routing/index.ts";
import { seedDeliveries } from "../../subgraphs/delivery/seed.ts";
import { startFaultProxy, type FaultProxy, type ReceivedRequest } from "./fault-proxy.ts";
import { postGraphQL, type GraphQLResult } from "./gateway.ts";
import { gql, TEST_LOG_LEVEL } from "./subgraphs.ts";
import type { TestSubgraphs } from "./system.ts";

export type Tokens = Record<"alice" | "carol" | "admin", string>;
export type Answer = GraphQLResult["body"];

/** One call as an instance received it. `other`: anything that is neither the kind's query nor its mutation. */
export interface Call {
  readonly what: "query" | "mutation" | "other";
  /** The caller's identity as the backend got it (`Bearer …`), if any. */
  readonly identity: string | undefined;
  readonly traceparent: string | undefined;
  /** The call's headers (gRPC: its text metadata), by lower-case name. */
  header(name: string): string | undefined;
}

/** How an instance may fail after receiving a call, and the code the client then gets. */
export interface LostAnswer {
  readonly name: string;
  readonly code: string;
}

/** One instance of a backend, in the gateway's `instances` list. */
export interface BackendInstance {
  readonly url: string;
  calls(): Call[];
  /** Like a killed process: nothing listens on its port. */
  kill(): Promise<void>;
  /** Receives each call, then answers this way instead (an answer lost after the call arrived). */
  lose(how: LostAnswer): void;
  /** Holds each call this long before answering. */
  slow(ms: number): void;
  /** Back as it started: listening, answering at once. True when it had to start again. */
  reset(): Promise<boolean>;
  close(): Promise<void>;
}

/** What a case needs of the gateway it runs against. */
export interface ParityContext {
  readonly subgraphs: TestSubgraphs;
  readonly tokens: Tokens;
  readonly gatewayUrl: () => string;
}

/** An operation a kind sends: document, variables and who sends it (`anonymous`: no token). */
interface Operation {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly as: keyof Tokens | "anonymous";
}

export interface Kind {
  readonly name: string;
  /** The subgraph's name in the supergraph (metrics, spans and access-log fetches carry it). */
  readonly subgraph: string;
  /** The mutation field, as `limits.routes` names it. */
  readonly mutationField: string;
  /** Its `@cost(weight:)` in the subgraph's SDL. */
  readonly mutationCost: number;
  /** Who asks the kind's query (the identity its backend must see). */
  readonly queryCaller: keyof Tokens;
  /** How this kind's instances can lose an answer after the call arrived. */
  readonly lostAnswers: readonly LostAnswer[];
  start(subgraphs: TestSubgraphs): Promise<BackendInstance[]>;
  query(ctx: ParityContext, headers?: Record<string, string>): Promise<GraphQLResult>;
  mutation(ctx: ParityContext, headers?: Record<string, string>): Promise<GraphQLResult>;
  /** A joined field with `@authenticated`, asked anonymously. */
  unauthenticated(ctx: ParityContext): Promise<GraphQLResult>;
  /** A joined field with `@requiresScopes`, asked by a caller who lacks the scope. */
  unscoped(ctx: ParityContext): Promise<GraphQLResult>;
}

let seq = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${seq++}`;

function send(ctx: ParityContext, op: Operation, headers: Record<string, string> = {}): Promise<GraphQLResult> {
  const auth: Record<string, string> = op.as === "anonymous" ? {} : { authorization: `Bearer ${ctx.tokens[op.as]}` };
  return postGraphQL(ctx.gatewayUrl(), op.query, op.variables, { ...auth, ...headers });
}

const header = (r: ReceivedRequest, name: string) => {
  const value = r.headers[name];
  return typeof value === "string" ? value : undefined;
};

const CONNECTION_DROPPED: LostAnswer = { name: "the connection drops after the request was sent", code: "SUBGRAPH_UNAVAILABLE" };

/** An HTTP backend's instance: a fault proxy in front of the one real service. */
async function httpInstance(target: string, classify: (r: ReceivedRequest) => Call["what"], identityHeader: string): Promise<BackendInstance> {
  const proxy: FaultProxy = await startFaultProxy(target);
  return {
    url: proxy.url,
    calls: () =>
      proxy.requests.map((r) => ({ what: classify(r), identity: header(r, identityHeader), traceparent: header(r, "traceparent"), header: (name: string) => header(r, name) })),
    kill: () => proxy.kill(),
    lose: () => {
      proxy.dropAnswers = true;
    },
    slow: (ms) => {
      proxy.delayMs = ms;
    },
    reset: async () => {
      proxy.delayMs = 0;
      proxy.dropAnswers = false;
      // A proxy that listens again is reached at once: HTTP connects per request.
      await proxy.revive();
      return false;
    },
    close: () => proxy.close(),
  };
}

const GRPC_LOST: Record<string, grpc.status> = {
  "the service answers UNAVAILABLE after receiving the call": grpc.status.UNAVAILABLE,
  "the service answers DEADLINE_EXCEEDED before the gateway's deadline": grpc.status.DEADLINE_EXCEEDED,
};

/** A gRPC instance: a routing service of its own, restarted on the same port after `kill`. */
async function grpcInstance(): Promise<BackendInstance> {
  const start = (port = 0) => createRoutingService({ port, logLevel: TEST_LOG_LEVEL });
  let service: RoutingService = await start();
  const port = service.port;
  // Calls received by the instances killed before: a restart must not lose them.
  const before: Call[] = [];
  const toCall = (c: RoutingService["received"][number]): Call => ({
    what: c.method === "AssignCourier" ? "mutation" : c.method === "EstimateEta" ? "query" : "other",
    identity: c.authorization,
    traceparent: c.traceparent,
    header: (name) => c.metadata[name],
  });
  return {
    url: `grpc://${service.address}`,
    calls: () => [...before, ...service.received.map(toCall)],
    kill: async () => {
      before.push(...service.received.map(toCall));
      await service.close();
    },
    lose: (how) => {
      service.failWith = GRPC_LOST[how.name];
    },
    slow: (ms) => {
      service.delayMs = ms;
    },
    reset: async () => {
      const restart = service.closed;
      if (restart) service = await start(port);
      service.failWith = undefined;
      service.delayMs = 0;
      return restart;
    },
    close: () => service.close(),
  };
}

const chargeAt = async (subgraphs: TestSubgraphs): Promise<string> => {
  const response = await fetch(`${subgraphs.provider.url}/v1/charges`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": unique("parity-charge") },
    body: JSON.stringify({ amount: 100 }),
  });
  return ((await response.json()) as { id: string }).id;
};

const seededCharge = (subgraphs: TestSubgraphs) =>
  subgraphs.provider.db.prepare("SELECT id FROM charges WHERE status = 'succeeded' AND idempotency_key IS NULL LIMIT 1").pluck().get() as string;

/** A delivery that still takes a courier (not delivered or failed). */
const ASSIGNABLE = seedDeliveries().find((d) => d.status === "ASSIGNED")!.id;

export const KINDS: readonly Kind[] = [
  {
    name: "GraphQL subgraph (payments)",
    subgraph: "payments",
    mutationField: "Mutation.payOrder",
    mutationCost: 10,
    queryCaller: "alice",
    lostAnswers: [CONNECTION_DROPPED],
    start: async (subgraphs) => {
      const classify = (r: ReceivedRequest): Call["what"] => (r.body.includes("payOrder") ? "mutation" : r.body.includes("_entities") ? "query" : "other");
      return [await httpInstance(subgraphs.payments.url, classify, "authorization"), await httpInstance(subgraphs.payments.url, classify, "authorization")];
    },
    query: (ctx, headers) => send(ctx, { query: `{ orders(first: 3) { edges { node { id payment { status } } } } }`, as: "alice" }, headers),
    mutation: async (ctx, headers) => {
      const placed = await gql(ctx.subgraphs.orders.url, `mutation { placeOrder(input: { items: [{ sku: "SKU-MUG", quantity: 1 }] }) { id } }`, { token: ctx.tokens.alice });
      const query = `mutation ($id: ID!, $key: String!) { payOrder(orderId: $id, idempotencyKey: $key) { id } }`;
      return send(ctx, { query, variables: { id: placed.data!.placeOrder.id, key: unique("parity-pay") }, as: "alice" }, headers);
    },
    unauthenticated: (ctx) => send(ctx, { query: `mutation { payOrder(orderId: "o1", idempotencyKey: "anon") { id } }`, as: "anonymous" }),
    unscoped: (ctx) => send(ctx, { query: `mutation { refundPayment(paymentId: "p1") { id } }`, as: "alice" }),
  },
  {
    name: "REST service behind connectors (payment provider)",
    subgraph: "payment-provider",
    mutationField: "Mutation.refundCharge",
    mutationCost: 10,
    queryCaller: "admin",
    lostAnswers: [CONNECTION_DROPPED],
    start: async (subgraphs) => {
      const classify = (r: ReceivedRequest): Call["what"] =>
        r.method === "POST" && r.url === "/v1/refunds" ? "mutation" : r.method === "GET" && r.url.startsWith("/v1/charges") ? "query" : "other";
      // The provider's own authorization is the merchant key: the caller goes as x-forwarded-authorization (its @source).
      return [await httpInstance(subgraphs.provider.url, classify, "x-forwarded-authorization"), await httpInstance(subgraphs.provider.url, classify, "x-forwarded-authorization")];
    },
    query: (ctx, headers) => send(ctx, { query: `{ providerCharge(id: "${seededCharge(ctx.subgraphs)}") { status } }`, as: "admin" }, headers),
    mutation: async (ctx, headers) => {
      const query = `mutation ($c: ID!, $k: String!) { refundCharge(chargeId: $c, idempotencyKey: $k) { id } }`;
      return send(ctx, { query, variables: { c: await chargeAt(ctx.subgraphs), k: unique("parity-refund") }, as: "admin" }, headers);
    },
    unauthenticated: (ctx) => send(ctx, { query: `mutation { refundCharge(chargeId: "ch_p2", idempotencyKey: "anon") { id } }`, as: "anonymous" }),
    unscoped: (ctx) => send(ctx, { query: `mutation { refundCharge(chargeId: "ch_p2", idempotencyKey: "alice") { id } }`, as: "alice" }),
  },
  {
    name: "gRPC service (routing)",
    subgraph: "routing",
    mutationField: "Mutation.assignCourier",
    mutationCost: 5,
    queryCaller: "alice",
    lostAnswers: Object.keys(GRPC_LOST).map((name) => ({ name, code: GRPC_LOST[name] === grpc.status.UNAVAILABLE ? "SUBGRAPH_UNAVAILABLE" : "SUBGRAPH_TIMEOUT" })),
    start: async () => [await grpcInstance(), await grpcInstance()],
    query: (ctx, headers) => send(ctx, { query: `{ deliveryRoute(deliveryId: "d1") { deliveryId status } }`, as: "alice" }, headers),
    mutation: (ctx, headers) => {
      const query = `mutation ($d: ID!, $k: String!) { assignCourier(deliveryId: $d, courierId: "u-courier-2", idempotencyKey: $k) { revision } }`;
      return send(ctx, { query, variables: { d: ASSIGNABLE, k: unique("parity-assign") }, as: "carol" }, headers);
    },
    unauthenticated: (ctx) => send(ctx, { query: `mutation { assignCourier(deliveryId: "${ASSIGNABLE}", courierId: "u-courier-2", idempotencyKey: "anon") { revision } }`, as: "anonymous" }),
    unscoped: (ctx) => send(ctx, { query: `mutation { assignCourier(deliveryId: "${ASSIGNABLE}", courierId: "u-courier-2", idempotencyKey: "alice") { revision } }`, as: "alice" }),
  },
];
