import { join } from "node:path";
import { createAuthSubgraph, type AuthSubgraph, type AuthSubgraphOptions } from "./auth/index.ts";
import { createDeliverySubgraph, type DeliverySubgraph, type DeliverySubgraphOptions } from "./delivery/index.ts";
import { createOrdersSubgraph, type OrdersSubgraphOptions } from "./orders/index.ts";
import { createPaymentsSubgraph, type PaymentsSubgraphOptions } from "./payments/index.ts";
import type { ServiceName, SubgraphHandle } from "./shared/service.ts";

export { createAuthSubgraph, rotateAuthSigningKey, JWKS_PATH, type AuthSubgraph, type AuthSubgraphOptions } from "./auth/index.ts";
export { createOrdersSubgraph, type OrdersSubgraphOptions } from "./orders/index.ts";
export { createDeliverySubgraph, type DeliverySubgraph, type DeliverySubgraphOptions } from "./delivery/index.ts";
export { createPaymentsSubgraph, type PaymentsSubgraphOptions } from "./payments/index.ts";
export { DEFAULT_PORTS, type CommonServiceOptions, type ServiceName, type SubgraphHandle } from "./shared/service.ts";

/** Options of every service at once; each factory ignores the ones that are not its own. */
export type AnySubgraphOptions = AuthSubgraphOptions & OrdersSubgraphOptions & DeliverySubgraphOptions & PaymentsSubgraphOptions;

export const SERVICE_NAMES: readonly ServiceName[] = ["auth", "orders", "delivery", "payments"];

/** Starts one subgraph by name. */
export function startSubgraph(service: ServiceName, options: AnySubgraphOptions = {}): Promise<SubgraphHandle> {
  switch (service) {
    case "auth":
      return createAuthSubgraph(options);
    case "orders":
      return createOrdersSubgraph(options);
    case "delivery":
      return createDeliverySubgraph(options);
    case "payments":
      return createPaymentsSubgraph(options);
    default:
      return service satisfies never;
  }
}

export interface AllSubgraphsOptions
  // clientId and clientSecret are each service's own: payments and delivery default to their seeded clients.
  extends Omit<AnySubgraphOptions, "port" | "dbPath" | "jwksUrl" | "ordersUrl" | "deliveryUrl" | "logger" | "loginThrottle" | "clientId" | "clientSecret"> {
  /** Directory of the four SQLite files, or ":memory:" for throwaway databases. Default data/ under the repo root. */
  dbDir?: string;
  /** Port per service; 0 picks a free one. Default 4001-4004 as in supergraph.yaml. */
  ports?: Partial<Record<ServiceName, number>>;
}

export interface AllSubgraphs {
  auth: AuthSubgraph;
  orders: SubgraphHandle;
  delivery: DeliverySubgraph;
  payments: SubgraphHandle;
  /** GraphQL URL of each service, for a supergraph config or the gateway's service list. */
  urls: Record<ServiceName, string>;
  close(): Promise<void>;
}

/**
 * Starts the four subgraphs wired to each other in one process: auth first (its JWKS URL goes
 * to the others), then orders (payments and delivery call it), then the rest. If one fails to
 * start, the ones already running are closed before the error is rethrown.
 */
export async function startAllSubgraphs(options: AllSubgraphsOptions = {}): Promise<AllSubgraphs> {
  const { dbDir, ports = {}, ...shared } = options;
  const dbPath = (service: ServiceName) =>
    dbDir === undefined ? {} : { dbPath: dbDir === ":memory:" ? ":memory:" : join(dbDir, `${service}.db`) };
  const port = (service: ServiceName) => (ports[service] === undefined ? {} : { port: ports[service] });
  const started: SubgraphHandle[] = [];
  const keep = <T extends SubgraphHandle>(handle: T): T => (started.push(handle), handle);
  try {
    const auth = keep(await createAuthSubgraph({ ...shared, ...dbPath("auth"), ...port("auth") }));
    const wired = { ...shared, jwksUrl: auth.jwksUrl };
    let deliveryUrl = "";
    const orders = keep(await createOrdersSubgraph({ ...wired, deliveryUrl: () => deliveryUrl, ...dbPath("orders"), ...port("orders") }));
    const delivery = keep(await createDeliverySubgraph({ ...wired, ordersUrl: orders.url, ...dbPath("delivery"), ...port("delivery") }));
    deliveryUrl = delivery.url;
    const payments = keep(await createPaymentsSubgraph({ ...wired, ordersUrl: orders.url, ...dbPath("payments"), ...port("payments") }));
    return {
      auth,
      orders,
      delivery,
      payments,
      urls: { auth: auth.url, orders: orders.url, delivery: delivery.url, payments: payments.url },
      close: async () => void (await Promise.all(started.map((handle) => handle.close()))),
    };
  } catch (error) {
    await Promise.allSettled(started.map((handle) => handle.close()));
    throw error;
  }
}
