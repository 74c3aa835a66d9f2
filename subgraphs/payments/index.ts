import { openDatabase } from "../shared/db.ts";
import { createRemoteIdentityVerifier, type RemoteVerifierOptions } from "../shared/identity.ts";
import { createOrdersClient, type OrdersClientOptions } from "../shared/orders-client.ts";
import { loadSubgraphSchema } from "../shared/schema.ts";
import { startSubgraphServer } from "../shared/server.ts";
import { resolveCommonOptions, serviceHandle, type CommonServiceOptions, type SubgraphHandle } from "../shared/service.ts";
import { createPaymentsLoaders, type PaymentsContext } from "./context.ts";
import { createPayOrder } from "./pay-order.ts";
import { PaymentRepository } from "./repository.ts";
import { paymentsResolvers } from "./resolvers.ts";
import { paymentsMigrations } from "./schema.ts";

export interface PaymentsSubgraphOptions extends CommonServiceOptions, Pick<RemoteVerifierOptions, "jwksUrl" | "jwksCooldownMs"> {
  /** The orders subgraph, asked for an order's total and owner. Default env ORDERS_URL, else :4002. */
  ordersUrl?: string;
  /** Default 5000 ms. */
  ordersTimeoutMs?: number;
}

/** Starts the payments subgraph: payments per order and idempotent payOrder. */
export async function createPaymentsSubgraph(options: PaymentsSubgraphOptions = {}): Promise<SubgraphHandle> {
  const common = resolveCommonOptions("payments", options);
  // FULL: a payment acknowledged to the client must survive even a power cut.
  const { db, sqlCount } = openDatabase({ path: common.dbPath, migrations: paymentsMigrations, synchronous: "FULL" });
  const payments = new PaymentRepository(db);
  const ordersClientOptions: OrdersClientOptions = {
    ...(options.ordersUrl ? { url: options.ordersUrl } : {}),
    ...(options.ordersTimeoutMs ? { timeoutMs: options.ordersTimeoutMs } : {}),
  };
  const payOrder = createPayOrder({ payments, fetchOrder: createOrdersClient(ordersClientOptions), now: common.now });

  const server = await startSubgraphServer<PaymentsContext>({
    service: "payments",
    schema: loadSubgraphSchema("payments", paymentsResolvers({ payOrder })),
    logger: common.logger,
    verifyIdentity: createRemoteIdentityVerifier(options),
    createContext: (base) => ({ ...base, loaders: createPaymentsLoaders(payments) }),
    port: common.port,
    host: common.host,
  });
  return serviceHandle("payments", server, { db, sqlCount }, common.logger);
}
