import Database from "better-sqlite3";
import { openDatabase } from "../shared/db.ts";
import { createRemoteIdentityVerifier, type RemoteVerifierOptions } from "../shared/identity.ts";
import { createOrdersCaller, createOrdersClient, type OrdersClientOptions } from "../shared/orders-client.ts";
import { DEFAULT_JWKS_URL } from "../shared/identity.ts";
import { OutboxRelay, type RelayOptions } from "../shared/outbox-relay.ts";
import { createServiceTokenSource, tokenUrlFromJwksUrl } from "../shared/service-token.ts";
import { createOrderStatusLookup } from "./order-status.ts";
import { createProgressEventSender, createProgressOutboxWriter, deliveryOutbox } from "./progress-outbox.ts";
import { loadSubgraphSchema } from "../shared/schema.ts";
import { startSubgraphServer } from "../shared/server.ts";
import { resolveCommonOptions, serviceHandle, type CommonServiceOptions, type SubgraphHandle } from "../shared/service.ts";
import { createDeliveryLoaders, type DeliveryContext } from "./context.ts";
import { DeliveryRepository } from "./repository.ts";
import { deliveryResolvers } from "./resolvers.ts";
import { deliveryMigrations } from "./schema.ts";
import { createStatusUpdater } from "./status-updates.ts";
import { orderDeliveryUpdated } from "./subscription.ts";
import { DeliveryEventFeed } from "./event-feed.ts";
import { DeliveryUpdates, type DeliveryUpdatedListener } from "./updates.ts";

export type { DeliveryUpdatedListener } from "./updates.ts";
export type { DeliveryRecord } from "./repository.ts";

export interface DeliverySubgraphOptions extends CommonServiceOptions, Pick<RemoteVerifierOptions, "jwksUrl" | "jwksCooldownMs"> {
  /** The orders subgraph, asked who owns an order that has no delivery yet. Default env ORDERS_URL, else :4002. */
  ordersUrl?: string;
  /** Default 5000 ms. */
  ordersTimeoutMs?: number;
  /** The auth service's token endpoint. Default env AUTH_TOKEN_URL, else /oauth/token beside the JWKS URL. */
  tokenUrl?: string;
  /** This service's OAuth client. Default id "delivery", secret env DELIVERY_CLIENT_SECRET, else the demo seed's. */
  clientId?: string;
  clientSecret?: string;
  /** The outbox relay's timing, for the events that tell orders of pick-ups and deliveries (defaults in RelayOptions). */
  relay?: Pick<RelayOptions, "initialBackoffMs" | "maxBackoffMs" | "leaseMs" | "pollMs">;
}

export interface DeliverySubgraph extends SubgraphHandle {
  /** Called after every committed status change; returns the unsubscribe function. */
  onDeliveryUpdated(listener: DeliveryUpdatedListener): () => void;
  /** Listeners on the publish hook right now: one per active subscription, for tests and metrics. */
  listenerCount(): number;
}

/** Starts the delivery subgraph: deliveries, their history, couriers' status updates, and the relay telling orders of pick-ups and deliveries. */
export async function createDeliverySubgraph(options: DeliverySubgraphOptions = {}): Promise<DeliverySubgraph> {
  const common = resolveCommonOptions("delivery", options);
  const { db, sqlCount, uncounted } = openDatabase({ path: common.dbPath, migrations: deliveryMigrations });
  const deliveries = new DeliveryRepository(db);
  const updates = new DeliveryUpdates(
    (error) => common.logger.error({ err: error }, "delivery listener failed"),
    (count) => feed?.listenersChanged(count),
  );
  // Changes other instances on the same file commit reach this one's subscriptions too. The feed
  // reads on its own connection (its polls are not this process's request work); a private
  // in-memory database has no other instance, and no feed.
  const feed = common.dbPath === ":memory:" ? undefined : new DeliveryEventFeed(new Database(common.dbPath, { readonly: true, fileMustExist: true }), updates);
  const ordersClientOptions: OrdersClientOptions = {
    ...(options.ordersUrl ? { url: options.ordersUrl } : {}),
    ...(options.ordersTimeoutMs ? { timeoutMs: options.ordersTimeoutMs } : {}),
  };
  const fetchOrder = createOrdersClient(ordersClientOptions);
  const tokens = createServiceTokenSource({
    tokenUrl: options.tokenUrl ?? process.env.AUTH_TOKEN_URL ?? tokenUrlFromJwksUrl(options.jwksUrl ?? process.env.AUTH_JWKS_URL ?? DEFAULT_JWKS_URL),
    clientId: options.clientId ?? "delivery",
    ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
    now: common.now,
  });
  const ordersCaller = createOrdersCaller(ordersClientOptions);
  const orderStatus = createOrderStatusLookup(ordersCaller, tokens);
  const relayLogger = common.logger.child({ component: "outbox-relay" });
  const relay = new OutboxRelay({
    outbox: deliveryOutbox(db, uncounted),
    deliver: createProgressEventSender(ordersCaller, tokens, relayLogger),
    describe: (row) => ({ orderId: row.orderId, kind: row.kind }),
    logger: relayLogger,
    now: common.now,
    ...options.relay,
  });
  const statusUpdater = createStatusUpdater({
    db,
    deliveries,
    fetchOrder,
    orderStatus,
    updates,
    feed,
    tellOrders: createProgressOutboxWriter(db),
    committed: () => relay.kick(),
    now: common.now,
  });

  const server = await startSubgraphServer<DeliveryContext>({
    service: "delivery",
    schema: loadSubgraphSchema("delivery", deliveryResolvers({ deliveries, updateStatus: statusUpdater.update, recordOrderStatus: statusUpdater.recordOrderStatus, orderDeliveryUpdated: orderDeliveryUpdated({ deliveries, updates, fetchOrder, createLoaders: () => createDeliveryLoaders(deliveries) }) })),
    logger: common.logger,
    verifyIdentity: createRemoteIdentityVerifier(options),
    createContext: (base) => ({ ...base, loaders: createDeliveryLoaders(deliveries) }),
    port: common.port,
    host: common.host,
    // Subscription.orderDeliveryUpdated over graphql-ws on /graphql.
    subscriptions: true,
  });
  // Rows committed before a crash or while orders was down go out first.
  relay.start();
  const handle = serviceHandle("delivery", server, { db, sqlCount }, common.logger);
  return {
    ...handle,
    close: async () => {
      await relay.close();
      feed?.close();
      await handle.close();
    },
    onDeliveryUpdated: (listener) => updates.onDeliveryUpdated(listener),
    listenerCount: () => updates.listenerCount,
  };
}
