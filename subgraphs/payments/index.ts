import { openDatabase } from "../shared/db.ts";
import { createRemoteIdentityVerifier, type RemoteVerifierOptions } from "../shared/identity.ts";
import { createOrdersCaller, createOrdersClient, type OrdersClientOptions } from "../shared/orders-client.ts";
import { loadSubgraphSchema } from "../shared/schema.ts";
import { startSubgraphServer } from "../shared/server.ts";
import { resolveCommonOptions, serviceHandle, type CommonServiceOptions, type SubgraphHandle } from "../shared/service.ts";
import { createServiceTokenSource, tokenUrlFromJwksUrl } from "../shared/service-token.ts";
import { DEFAULT_JWKS_URL } from "../shared/identity.ts";
import { createPaymentsLoaders, type PaymentsContext } from "./context.ts";
import { createOrderEventSender } from "./order-events.ts";
import { paymentsOutbox } from "./outbox.ts";
import { createPayOrder } from "./pay-order.ts";
import { createProviderClient } from "./provider-client.ts";
import { OutboxRelay, type RelayOptions } from "../shared/outbox-relay.ts";
import { PaymentRepository } from "./repository.ts";
import { paymentsResolvers } from "./resolvers.ts";
import { paymentsMigrations } from "./schema.ts";

export interface PaymentsSubgraphOptions extends CommonServiceOptions, Pick<RemoteVerifierOptions, "jwksUrl" | "jwksCooldownMs"> {
  /** The orders subgraph, asked for an order's total and owner and told of payments. Default env ORDERS_URL, else :4002. */
  ordersUrl?: string;
  /** Default 5000 ms. */
  ordersTimeoutMs?: number;
  /** The auth service's token endpoint. Default env AUTH_TOKEN_URL, else /oauth/token beside the JWKS URL. */
  tokenUrl?: string;
  /** This service's OAuth client. Default id "payments", secret env PAYMENTS_CLIENT_SECRET, else the demo seed's. */
  clientId?: string;
  clientSecret?: string;
  /**
   * The payment provider's base URL (several instances' separated by commas), charged by payOrder
   * and refunded by refundPayment. Default env PAYMENT_PROVIDER_URL; empty: no provider, payments
   * are recorded without a charge (this service's own tests).
   */
  paymentProviderUrl?: string;
  /** The outbox relay's timing (defaults in RelayOptions). */
  relay?: Pick<RelayOptions, "initialBackoffMs" | "maxBackoffMs" | "leaseMs" | "pollMs">;
}

/** Starts the payments subgraph: payments per order, idempotent payOrder, refunds, and the outbox relay to orders. */
export async function createPaymentsSubgraph(options: PaymentsSubgraphOptions = {}): Promise<SubgraphHandle> {
  const common = resolveCommonOptions("payments", options);
  // FULL: a payment acknowledged to the client must survive even a power cut.
  const { db, sqlCount, uncounted } = openDatabase({ path: common.dbPath, migrations: paymentsMigrations, synchronous: "FULL" });
  const payments = new PaymentRepository(db);
  const ordersClientOptions: OrdersClientOptions = {
    ...(options.ordersUrl ? { url: options.ordersUrl } : {}),
    ...(options.ordersTimeoutMs ? { timeoutMs: options.ordersTimeoutMs } : {}),
  };
  const tokens = createServiceTokenSource({
    tokenUrl: options.tokenUrl ?? process.env.AUTH_TOKEN_URL ?? tokenUrlFromJwksUrl(options.jwksUrl ?? process.env.AUTH_JWKS_URL ?? DEFAULT_JWKS_URL),
    clientId: options.clientId ?? "payments",
    ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
    now: common.now,
  });
  const relayLogger = common.logger.child({ component: "outbox-relay" });
  const relay = new OutboxRelay({
    outbox: paymentsOutbox(db, uncounted),
    describe: (row) => ({ orderId: row.orderId, kind: row.kind }),
    deliver: createOrderEventSender(createOrdersCaller(ordersClientOptions), tokens, relayLogger),
    logger: relayLogger,
    now: common.now,
    ...options.relay,
  });
  const providerUrl = options.paymentProviderUrl ?? process.env.PAYMENT_PROVIDER_URL ?? "";
  const provider = providerUrl ? createProviderClient({ url: providerUrl }) : undefined;
  const payOrder = createPayOrder({ payments, fetchOrder: createOrdersClient(ordersClientOptions), provider, now: common.now });

  const server = await startSubgraphServer<PaymentsContext>({
    service: "payments",
    schema: loadSubgraphSchema("payments", paymentsResolvers({ payOrder, payments, now: common.now, committed: () => relay.kick(), provider })),
    logger: common.logger,
    verifyIdentity: createRemoteIdentityVerifier(options),
    createContext: (base) => ({ ...base, loaders: createPaymentsLoaders(payments) }),
    port: common.port,
    host: common.host,
  });
  // Rows committed before a crash or while orders was down go out first.
  relay.start();
  const handle = serviceHandle("payments", server, { db, sqlCount }, common.logger);
  return {
    ...handle,
    close: async () => {
      await relay.close();
      await handle.close();
    },
  };
}
