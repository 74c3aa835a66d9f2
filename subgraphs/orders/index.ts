import { openDatabase } from "../shared/db.ts";
import { createRemoteIdentityVerifier, DEFAULT_JWKS_URL, type RemoteVerifierOptions } from "../shared/identity.ts";
import { createFailoverCaller, splitUrls } from "../shared/orders-client.ts";
import { OutboxRelay, type RelayOptions } from "../shared/outbox-relay.ts";
import { loadSubgraphSchema } from "../shared/schema.ts";
import { startSubgraphServer } from "../shared/server.ts";
import { resolveCommonOptions, serviceHandle, type CommonServiceOptions, type SubgraphHandle } from "../shared/service.ts";
import { createServiceTokenSource, tokenUrlFromJwksUrl } from "../shared/service-token.ts";
import { createOrdersLoaders, type OrdersContext } from "./context.ts";
import { createDeliveryEventSender, ordersOutbox } from "./delivery-events.ts";
import { createDeliveryProgressApplier } from "./delivery-progress.ts";
import { createPaymentEventApplier } from "./payment-events.ts";
import { OrderRepository } from "./repository.ts";
import { ordersResolvers } from "./resolvers.ts";
import { ordersMigrations } from "./schema.ts";

export interface OrdersSubgraphOptions extends CommonServiceOptions, Pick<RemoteVerifierOptions, "jwksUrl" | "jwksCooldownMs"> {
  /**
   * The delivery subgraph (one or several instances, comma-separated), told of order status
   * changes. A function is read at each call, for a delivery started after orders. Default env
   * DELIVERY_URL, else http://127.0.0.1:4003/graphql.
   */
  deliveryUrl?: string | (() => string);
  /** Default 5000 ms. */
  deliveryTimeoutMs?: number;
  /** The auth service's token endpoint. Default env AUTH_TOKEN_URL, else /oauth/token beside the JWKS URL. */
  tokenUrl?: string;
  /** This service's OAuth client. Default id "orders", secret env ORDERS_CLIENT_SECRET, else the demo seed's. */
  clientId?: string;
  clientSecret?: string;
  /** The outbox relay's timing (defaults in RelayOptions). */
  relay?: Pick<RelayOptions, "initialBackoffMs" | "maxBackoffMs" | "leaseMs" | "pollMs">;
}

/** Starts the orders subgraph: orders, their items, pagination, placeOrder, payment and delivery events, and the relay to delivery. */
export async function createOrdersSubgraph(options: OrdersSubgraphOptions = {}): Promise<SubgraphHandle> {
  const common = resolveCommonOptions("orders", options);
  const { db, sqlCount, uncounted } = openDatabase({ path: common.dbPath, migrations: ordersMigrations });
  const orders = new OrderRepository(db);

  const deliveryUrl = options.deliveryUrl ?? process.env.DELIVERY_URL ?? "http://127.0.0.1:4003/graphql";
  const deliveryUrls = () => splitUrls(typeof deliveryUrl === "function" ? deliveryUrl() : deliveryUrl);
  const tokens = createServiceTokenSource({
    tokenUrl: options.tokenUrl ?? process.env.AUTH_TOKEN_URL ?? tokenUrlFromJwksUrl(options.jwksUrl ?? process.env.AUTH_JWKS_URL ?? DEFAULT_JWKS_URL),
    clientId: options.clientId ?? "orders",
    ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
    now: common.now,
  });
  const relayLogger = common.logger.child({ component: "outbox-relay" });
  const relay = new OutboxRelay({
    outbox: ordersOutbox(db, uncounted),
    deliver: createDeliveryEventSender(createFailoverCaller(deliveryUrls, options.deliveryTimeoutMs ?? 5000), tokens, relayLogger),
    describe: (row) => ({ orderId: row.orderId, status: row.status }),
    logger: relayLogger,
    now: common.now,
    ...options.relay,
  });

  const server = await startSubgraphServer<OrdersContext>({
    service: "orders",
    schema: loadSubgraphSchema(
      "orders",
      ordersResolvers({
        orders,
        now: common.now,
        applyPaymentEvent: createPaymentEventApplier(db, common.now),
        applyDeliveryProgress: createDeliveryProgressApplier(db, common.now),
        committed: () => relay.kick(),
      }),
    ),
    logger: common.logger,
    verifyIdentity: createRemoteIdentityVerifier(options),
    createContext: (base) => ({ ...base, loaders: createOrdersLoaders(orders) }),
    port: common.port,
    host: common.host,
  });
  relay.start();
  const handle = serviceHandle("orders", server, { db, sqlCount }, common.logger);
  return {
    ...handle,
    close: async () => {
      await relay.close();
      await handle.close();
    },
  };
}
