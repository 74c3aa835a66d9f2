/**
 * The real system in one process for integration tests: the four subgraphs, the payment provider and the routing service (gRPC) on 127.0.0.1
 * port 0 with in-memory databases (seeded deterministically), and a gateway in front of them
 * whose subgraph URLs point at those ports.
 */
import demoConfig from "../../gateway/gateway.config.ts";
import type { GatewayConfigInput } from "../../gateway/src/config/schema.ts";
import type { AuthSubgraph } from "../../subgraphs/auth/index.ts";
import { createDeliverySubgraph, type DeliverySubgraph } from "../../subgraphs/delivery/index.ts";
import { createOrdersSubgraph } from "../../subgraphs/orders/index.ts";
import { createPaymentsSubgraph } from "../../subgraphs/payments/index.ts";
import type { SubgraphHandle } from "../../subgraphs/shared/service.ts";
import { startTestGateway, type TestGateway, type TestGatewayOptions } from "./gateway.ts";
import { createPaymentProvider, type PaymentProvider } from "../../services/payment-provider/index.ts";
import { createRoutingService, type RoutingService } from "../../services/routing/index.ts";
import { startTestAuth, testServiceOptions, TEST_LOG_LEVEL } from "./subgraphs.ts";

export interface TestSubgraphs {
  auth: AuthSubgraph;
  orders: SubgraphHandle;
  delivery: DeliverySubgraph;
  payments: SubgraphHandle;
  /** The payment provider's REST service (in memory), behind the payment-provider connectors. */
  provider: PaymentProvider;
  /** The routing service's gRPC server (in memory), behind the routing subgraph. */
  routingService: RoutingService;
  /** `subgraphs` config that routes the gateway to these instances. */
  routing: Record<"auth" | "orders" | "delivery" | "payments" | "payment-provider" | "routing", { url: string }>;
  close(): Promise<void>;
}

export async function startTestSubgraphs(): Promise<TestSubgraphs> {
  const auth = await startTestAuth();
  const provider = await createPaymentProvider({ dbPath: ":memory:", port: 0, logLevel: TEST_LOG_LEVEL });
  const routingService = await createRoutingService({ port: 0, logLevel: TEST_LOG_LEVEL });
  // Orders starts first (the others call it) and learns delivery's URL once delivery listens.
  let deliveryUrl = "";
  const orders = await createOrdersSubgraph({ ...testServiceOptions(auth), deliveryUrl: () => deliveryUrl });
  const [delivery, payments] = await Promise.all([
    createDeliverySubgraph({ ...testServiceOptions(auth), ordersUrl: orders.url }),
    createPaymentsSubgraph({ ...testServiceOptions(auth), ordersUrl: orders.url, paymentProviderUrl: provider.url }),
  ]);
  deliveryUrl = delivery.url;
  return {
    auth,
    orders,
    delivery,
    payments,
    provider,
    routingService,
    routing: {
      auth: { url: auth.url },
      orders: { url: orders.url },
      delivery: { url: delivery.url },
      payments: { url: payments.url },
      "payment-provider": { url: provider.url },
      routing: { url: `grpc://${routingService.address}` },
    },
    close: async () => {
      await Promise.all([delivery.close(), payments.close()]);
      await orders.close();
      await Promise.all([auth.close(), provider.close(), routingService.close()]);
    },
  };
}

export interface TestSystem {
  subgraphs: TestSubgraphs;
  gateway: TestGateway;
  close(): Promise<void>;
}

/** The demo config's `auth` section (policies included), verifying against the test auth service's keys. */
export function demoAuth(subgraphs: TestSubgraphs): NonNullable<GatewayConfigInput["auth"]> {
  return { ...demoConfig.auth!, jwks: { url: subgraphs.auth.jwksUrl } };
}

/**
 * Subgraphs plus a gateway routed to them. `config` is merged over the routing; pass a
 * function to build it from the started subgraphs (e.g. `(s) => ({ auth: demoAuth(s) })`).
 */
export async function startTestSystem(
  config: GatewayConfigInput | ((subgraphs: TestSubgraphs) => GatewayConfigInput) = {},
  options: TestGatewayOptions = {},
): Promise<TestSystem> {
  const subgraphs = await startTestSubgraphs();
  if (typeof config === "function") config = config(subgraphs);
  const { subgraphs: subgraphConfig = {}, ...rest } = config;
  const merged: Record<string, unknown> = { ...subgraphConfig };
  for (const [name, route] of Object.entries(subgraphs.routing)) {
    const own = (subgraphConfig as Record<string, { instances?: unknown } | undefined>)[name];
    // A test that lists instances routes the subgraph itself.
    merged[name] = own?.instances ? own : { ...route, ...own };
  }
  let gateway: TestGateway;
  try {
    gateway = await startTestGateway({ ...rest, subgraphs: merged as GatewayConfigInput["subgraphs"] }, options);
  } catch (e) {
    await subgraphs.close(); // a gateway that fails to start must not leave the subgraphs running
    throw e;
  }
  return {
    subgraphs,
    gateway,
    close: async () => {
      await gateway.stop();
      await subgraphs.close();
    },
  };
}
