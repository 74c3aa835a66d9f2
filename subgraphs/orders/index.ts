import { openDatabase } from "../shared/db.ts";
import { createRemoteIdentityVerifier, type RemoteVerifierOptions } from "../shared/identity.ts";
import { loadSubgraphSchema } from "../shared/schema.ts";
import { startSubgraphServer } from "../shared/server.ts";
import { resolveCommonOptions, serviceHandle, type CommonServiceOptions, type SubgraphHandle } from "../shared/service.ts";
import { createOrdersLoaders, type OrdersContext } from "./context.ts";
import { createPaymentEventApplier } from "./payment-events.ts";
import { OrderRepository } from "./repository.ts";
import { ordersResolvers } from "./resolvers.ts";
import { ordersMigrations } from "./schema.ts";

export interface OrdersSubgraphOptions extends CommonServiceOptions, Pick<RemoteVerifierOptions, "jwksUrl" | "jwksCooldownMs"> {}

/** Starts the orders subgraph: orders, their items, pagination and placeOrder. */
export async function createOrdersSubgraph(options: OrdersSubgraphOptions = {}): Promise<SubgraphHandle> {
  const common = resolveCommonOptions("orders", options);
  const { db, sqlCount } = openDatabase({ path: common.dbPath, migrations: ordersMigrations });
  const orders = new OrderRepository(db);

  const server = await startSubgraphServer<OrdersContext>({
    service: "orders",
    schema: loadSubgraphSchema("orders", ordersResolvers({ orders, now: common.now, applyPaymentEvent: createPaymentEventApplier(db, common.now) })),
    logger: common.logger,
    verifyIdentity: createRemoteIdentityVerifier(options),
    createContext: (base) => ({ ...base, loaders: createOrdersLoaders(orders) }),
    port: common.port,
    host: common.host,
  });
  return serviceHandle("orders", server, { db, sqlCount }, common.logger);
}
