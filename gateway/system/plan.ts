/**
 * Which processes `npm start` runs, on which ports. One place, so the launcher, the demo gateway
 * config, the README and the end-to-end test agree.
 *
 * Every subgraph runs as two instances, orders as three with the third weighted 2, so balancing
 * is visible out of the box (`GET /admin/upstreams`); the payment provider (a REST service) runs
 * as two instances on 4005 and 4015, the routing service (gRPC) as two on 4006 and 4016 (their
 * HTTP health checks on 4106 and 4116). The first instance of each keeps
 * supergraph.yaml's routing_url port (4001-4004); the others are 4011-4014 and 4022. All
 * instances of a service share its SQLite file: the databases run in WAL mode with a busy
 * timeout, and migrations take the write lock first, so processes starting together on a new
 * file seed it once.
 */
import { gatewayNodeFlags } from "../src/node-flags.ts";
export interface ProcessSpec {
  name: string;
  /**
   * Node's own flags. The gateway runs compiled (`npm run build` writes dist/), as in
   * production; the demo subgraphs run from source through tsx.
   */
  nodeArgs: string[];
  args: string[];
  env: Record<string, string>;
  healthUrl: string;
}

export type ServiceName = "auth" | "orders" | "delivery" | "payments";

/** One instance as the gateway config lists it. */
export interface InstanceSpec {
  url: string;
  weight: number;
}

export interface SystemPlan {
  /** The services behind the graph that are not GraphQL subgraphs (the payment provider, the routing service), started first. */
  services: ProcessSpec[];
  subgraphs: ProcessSpec[];
  /**
   * Each service's instances, for the gateway config's `subgraphs.<name>.instances`; the
   * payment provider's are base URLs (its connectors' `@source` is `payment_provider`), the
   * routing service's grpc://host:port.
   */
  instances: Record<ServiceName | "payment-provider" | "routing", InstanceSpec[]>;
  /** Where the auth service publishes its verification keys. */
  jwksUrl: string;
  gateway: ProcessSpec;
  gatewayUrl: string;
}

export interface SystemPlanOptions {
  gatewayPort?: number;
  /** Added to every port, so a second system (an end-to-end test) can run beside the demo. */
  portOffset?: number;
  dataDir?: string;
}

const host = "127.0.0.1";
/** The first port of each service is its routing_url in supergraph.yaml. */
const servicePorts: Record<ServiceName, ReadonlyArray<{ port: number; weight?: number }>> = {
  auth: [{ port: 4001 }, { port: 4011 }],
  orders: [{ port: 4002 }, { port: 4012 }, { port: 4022, weight: 2 }],
  delivery: [{ port: 4003 }, { port: 4013 }],
  payments: [{ port: 4004 }, { port: 4014 }],
};

/** The payment provider's REST instances; the first is @source's baseURL in schema/payment-provider.graphql. */
const providerPorts = [4005, 4015] as const;

/**
 * The payment provider's merchant key, shared by the provider, payments and the gateway's
 * connectors; env PAYMENT_PROVIDER_API_KEY, else the demo's.
 */
export const providerApiKey = (): string => process.env.PAYMENT_PROVIDER_API_KEY || "sk_test_demo";

/** The routing service's gRPC ports, each with its HTTP health port (gRPC port + 100). */
const routingPorts = [4006, 4016] as const;
const ROUTING_HEALTH_PORT_OFFSET = 100;

/** Passed to the gateway so its config (gateway/gateway.config.ts) can rebuild this plan. */
export const PORT_OFFSET_ENV = "SYSTEM_PORT_OFFSET";

export function systemPlan(options: SystemPlanOptions = {}): SystemPlan {
  const offset = options.portOffset ?? 0;
  const gatewayPort = options.gatewayPort ?? 4000 + offset;
  const dataDir = options.dataDir ?? "data";
  const url = (port: number, path: string) => `http://${host}:${port + offset}${path}`;
  // Subgraphs that call orders directly know every instance and go on to the next when one is
  // down; the JWKS comes from the first auth instance (verifiers keep the keys they have).
  const env = {
    AUTH_JWKS_URL: url(servicePorts.auth[0]!.port, "/.well-known/jwks.json"),
    ORDERS_URL: servicePorts.orders.map(({ port }) => url(port, "/graphql")).join(","),
    // Orders tells any delivery instance of order status changes.
    DELIVERY_URL: servicePorts.delivery.map(({ port }) => url(port, "/graphql")).join(","),
    // Payments charges and refunds at any provider instance (idempotency keys make a retry safe).
    PAYMENT_PROVIDER_URL: providerPorts.map((port) => url(port, "")).join(","),
    PAYMENT_PROVIDER_API_KEY: providerApiKey(),
  };
  const providers = providerPorts.map((port, i) => ({
    name: `payment-provider${i === 0 ? "" : `-${i + 1}`}`,
    nodeArgs: ["--import", "tsx"],
    args: ["services/payment-provider/main.ts", "--port", String(port + offset), "--host", host, "--db", `${dataDir}/payment-provider.db`],
    env: { PAYMENT_PROVIDER_API_KEY: providerApiKey() },
    healthUrl: url(port, "/healthz"),
  }));
  const routing = routingPorts.map((port, i) => ({
    name: `routing${i === 0 ? "" : `-${i + 1}`}`,
    nodeArgs: ["--import", "tsx"],
    args: ["services/routing/main.ts", "--port", String(port + offset), "--health-port", String(port + ROUTING_HEALTH_PORT_OFFSET + offset), "--host", host, "--db", `${dataDir}/routing.db`],
    env: {},
    healthUrl: url(port + ROUTING_HEALTH_PORT_OFFSET, "/healthz"),
  }));
  const services = Object.keys(servicePorts) as ServiceName[];
  const subgraphs = services.flatMap((name) =>
    servicePorts[name].map(({ port }, i) => ({
      name: `${name}-subgraph${i === 0 ? "" : `-${i + 1}`}`,
      nodeArgs: ["--import", "tsx"],
      args: ["subgraphs/main.ts", name, "--port", String(port + offset), "--host", host, "--db", `${dataDir}/${name}.db`],
      env,
      healthUrl: url(port, "/healthz"),
    })),
  );
  const instances = {
    ...(Object.fromEntries(
      services.map((name) => [name, servicePorts[name].map(({ port, weight }) => ({ url: url(port, "/graphql"), weight: weight ?? 1 }))]),
    ) as Record<ServiceName, InstanceSpec[]>),
    "payment-provider": providerPorts.map((port) => ({ url: url(port, ""), weight: 1 })),
    routing: routingPorts.map((port) => ({ url: `grpc://${host}:${port + offset}`, weight: 1 })),
  };
  return {
    services: [...providers, ...routing],
    subgraphs,
    instances,
    jwksUrl: env.AUTH_JWKS_URL,
    gateway: {
      name: "gateway",
      nodeArgs: [...gatewayNodeFlags],
      args: ["dist/gateway/src/main.js", "--config", "dist/gateway/gateway.config.js", "--port", String(gatewayPort)],
      env: { [PORT_OFFSET_ENV]: String(offset) },
      healthUrl: `http://${host}:${gatewayPort}/readyz`,
    },
    gatewayUrl: `http://${host}:${gatewayPort}/graphql`,
  };
}
