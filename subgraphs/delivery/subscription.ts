import { hasRole, isAdmin, requireScope } from "../shared/authz.ts";
import { notFound } from "../shared/errors.ts";
import type { UserPrincipal } from "../shared/identity.ts";
import type { OrdersClient } from "../shared/orders-client.ts";
import type { DeliveryContext, DeliveryLoaders } from "./context.ts";
import type { DeliveryRecord, DeliveryRepository } from "./repository.ts";
import { deliveryUpdatesFor } from "./update-stream.ts";
import type { DeliveryUpdates } from "./updates.ts";

/** Who may follow an order's delivery: its owner, any courier (they work from the pool) and admins. */
export const maySubscribe = (caller: UserPrincipal, ownerId: string): boolean =>
  caller.userId === ownerId || hasRole(caller, "courier") || isAdmin(caller);

/**
 * `Subscription.orderDeliveryUpdated(orderId)`: checked once when the subscription starts, with
 * the caller's own token (the gateway forwards it), then fed by the in-process publish hook.
 * An order with no delivery yet is looked up at the orders subgraph as the caller, so an order
 * the caller cannot see is "not found" rather than a hint that it exists.
 */
export function orderDeliveryUpdated(deps: {
  deliveries: DeliveryRepository;
  updates: DeliveryUpdates;
  fetchOrder: OrdersClient;
  /** New loaders for each event: graphql-js executes every event with the subscription's one context. */
  createLoaders: () => DeliveryLoaders;
}) {
  return {
    subscribe: async (_root: unknown, { orderId }: { orderId: string }, context: DeliveryContext): Promise<AsyncIterableIterator<DeliveryRecord>> => {
      const caller = requireScope(context.principal, "deliveries:read");
      // Listen before the ownership check, so a change committed while it runs is not missed.
      const stream = deliveryUpdatesFor(deps.updates, orderId);
      try {
        let owner = deps.deliveries.byOrderIds([orderId])[0]?.customerId;
        if (owner === undefined) {
          owner = (await deps.fetchOrder(orderId, context))?.userId;
          if (owner === undefined) throw notFound("Order");
        }
        // Another customer's order is "not found", as in orders and payments: no hint that it exists.
        if (!maySubscribe(caller, owner)) throw notFound("Order");
      } catch (error) {
        await stream.return?.();
        throw error;
      }
      context.logger.info({ orderId }, "delivery subscription started");
      return stream;
    },
    // Each event is resolved afresh: the context (and so its DataLoader caches) lives as long as
    // the subscription, and a cache kept across events would answer every push's nested fields
    // (the events list) from the first one. Events of one subscription execute one at a time.
    resolve: (delivery: DeliveryRecord, _args: unknown, context: DeliveryContext) => {
      context.loaders = deps.createLoaders();
      return delivery;
    },
  };
}
