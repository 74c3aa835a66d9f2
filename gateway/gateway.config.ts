/**
 * The configuration `npm start` runs with: the demo system on 127.0.0.1.
 * Every key is documented in README.md ("Configuration"); the schema with defaults is
 * gateway/src/config/schema.ts. Environment variables PORT, HOST, LOG_LEVEL,
 * SUPERGRAPH_PATH and REDIS_URL override the deployment settings.
 */
import type { PolicyContext } from "./src/config/auth.ts";
import { defineConfig } from "./src/config/load.ts";
import { PORT_OFFSET_ENV, providerApiKey, systemPlan } from "./system/plan.ts";

/** The processes `npm start` runs: the instance lists below come from there, not from repeated ports. */
const plan = systemPlan({ portOffset: Number(process.env[PORT_OFFSET_ENV] ?? 0) });

const hasRole = ({ principal }: PolicyContext, ...roles: string[]): boolean =>
  principal.kind === "user" && roles.some((role) => principal.roles.has(role));

/** `@policy(policies: [["courier"]])`: couriers, and admins who act for them. */
const courier = (ctx: PolicyContext) => hasRole(ctx, "courier", "admin");
/** `@policy(policies: [["order_owner_or_admin"]])`: customers and admins; the orders subgraph enforces row-level ownership itself. */
const orderOwnerOrAdmin = (ctx: PolicyContext) => hasRole(ctx, "customer", "admin");

export default defineConfig({
  server: { host: "127.0.0.1", port: 4000 },
  supergraph: { path: "schema/supergraph.graphql", watch: true },
  // Trusted operations; those with an endpoint are also REST endpoints under /api (mode allow:
  // any other operation still runs at /graphql).
  operations: { persisted: { manifest: "gateway/operations.json", mode: "allow" } },
  // Two instances of each subgraph, three of orders (one weighted 2), one algorithm each so all
  // four can be watched on GET /admin/upstreams. Auth hashes on the client address because its
  // login throttle lives in each process: one client's attempts should meet one throttle.
  subgraphs: {
    all: { timeoutMs: 5_000, connectTimeoutMs: 1_000 },
    auth: { instances: plan.instances.auth, balancer: "consistent-hash", hashKey: "client-address" },
    orders: { instances: plan.instances.orders, balancer: "weighted-round-robin" },
    delivery: { instances: plan.instances.delivery, balancer: "round-robin" },
    payments: { instances: plan.instances.payments, balancer: "least-outstanding" },
    // The payment provider's REST instances, called by its connectors (schema/payment-provider.graphql).
    "payment-provider": { instances: plan.instances["payment-provider"], balancer: "round-robin" },
    // The routing service's gRPC instances, called by the routing subgraph's @rpc fields (schema/routing.graphql).
    routing: { instances: plan.instances.routing, balancer: "round-robin" },
  },
  // The demo subgraphs' own client-fault codes (subgraphs/shared/errors.ts): production keeps their messages.
  errors: {
    clientFacingCodes: ["INVALID_CREDENTIALS", "INVALID_REFRESH_TOKEN", "IDEMPOTENCY_KEY_REUSED", "ORDER_ALREADY_PAID", "ORDER_NOT_PAYABLE", "INVALID_STATUS_TRANSITION", "ORDER_NOT_PAID", "PAYMENT_NOT_REFUNDABLE", "INVALID_TOKEN", "PAYMENT_PROVIDER_UNAVAILABLE", "PAYMENT_DECLINED"],
  },
  auth: {
    jwks: { url: plan.jwksUrl },
    issuer: "urn:federated-gateway:auth",
    audience: "federated-gateway",
    algorithms: ["ES256"],
    onUnauthorized: "filter",
    policies: { courier, order_owner_or_admin: orderOwnerOrAdmin },
  },
  // Demand control and rate limits, small enough to watch them work in a minute (README, "Rate
  // limits"). An anonymous caller may spend 100 at once, refilled at 2 per second, and every
  // request costs at least 1, so a loop of a few hundred `{ me { name } }` meets a 429 after
  // about 100. Any operation estimated above 1000 is refused before planning: signed in,
  // `orders(first: 100000) { edges { node { id } } }` is estimated at 200001.
  limits: {
    cost: { maxCost: 1_000 },
    tiers: {
      anonymous: { capacity: 100, refillPerSecond: 2 },
      customer: { capacity: 2_000, refillPerSecond: 50 },
      partner: { capacity: 10_000, refillPerSecond: 250 },
      admin: { capacity: 50_000, refillPerSecond: 1_000 },
    },
    routes: { "Mutation.payOrder": { max: 5, windowMs: 60_000 } },
    global: { costPerSecond: 20_000, burstSeconds: 2 },
    dynamic: { maxInFlight: 1_000, upstreamLatencyMs: 2_000 },
  },
  // The payment provider's connectors send its merchant key ($config.apiKey in schema/payment-provider.graphql).
  connectors: { "payment-provider": { config: { apiKey: providerApiKey() } } },
  // The operations clients send, recorded beside the subgraphs' databases, for `npm run
  // schema:check` and the reload guard (a recomposed supergraph that breaks them is held).
  usage: { sqlite: { path: `${process.env.SYSTEM_DATA_DIR ?? "data"}/usage.db` } },
});
