import { hasRole, isAdmin, isOwnerOrAdmin, requireScope, requireService } from "../shared/authz.ts";
import { forbidden, notFound } from "../shared/errors.ts";
import type { Resolvers } from "../shared/schema.ts";
import type { OrdersContext } from "./context.ts";
import { checkPageSize, decodeCursor, toConnection } from "./pagination.ts";
import type { DeliveryProgressEvent, DeliveryProgressReceipt } from "./delivery-progress.ts";
import type { PaymentEvent, PaymentEventReceipt } from "./payment-events.ts";
import type { OrderRecord, OrderRepository } from "./repository.ts";
import { priceOrderInput } from "./validation.ts";

interface PageArgs {
  first: number;
  after?: string | null;
}

/** The scope a service needs for each kind of payment event. */
const EVENT_SCOPES: Readonly<Record<PaymentEvent["kind"], string>> = { PAID: "orders:mark-paid", REFUNDED: "orders:mark-refunded" };

export function ordersResolvers({
  orders,
  now,
  applyPaymentEvent,
  applyDeliveryProgress,
  committed,
}: {
  orders: OrderRepository;
  now: () => number;
  applyPaymentEvent: (event: PaymentEvent) => PaymentEventReceipt;
  applyDeliveryProgress: (event: DeliveryProgressEvent) => DeliveryProgressReceipt;
  /** Called after a commit that may have written an outbox row: the relay sends it at once. */
  committed: () => void;
}): Resolvers<OrdersContext> {
  /** One page of a user's orders, or of all orders when userId is undefined (admins). */
  const connection = (userId: string | undefined, { first, after }: PageArgs) => {
    const size = checkPageSize(first);
    const position = after ? decodeCursor(after) : undefined;
    // One row more than asked tells whether there is a next page without a count (first: 0 too).
    const rows = orders.page({ userId, after: position, limit: size + 1 });
    return toConnection(rows, size, () => orders.count(userId));
  };

  return {
    Query: {
      order: async (_root, { id }: { id: string }, { principal, loaders }: OrdersContext) => {
        requireScope(principal, "orders:read");
        const order = await loaders.orderById.load(id);
        // Another customer's order answers exactly like a missing one: its existence is not theirs to learn.
        if (!order || !isOwnerOrAdmin(principal, order.userId)) throw notFound("Order");
        return order;
      },
      orders: (_root, args: PageArgs, { principal }: OrdersContext) => {
        const caller = requireScope(principal, "orders:read");
        return connection(isAdmin(caller) ? undefined : caller.userId, args);
      },
      orderStatus: async (_root, { id }: { id: string }, { principal, loaders }: OrdersContext) => {
        requireService(principal, "orders:read-status");
        return loaders.orderById.load(id);
      },
    },
    Mutation: {
      placeOrder: (_root, { input }: { input: unknown }, { principal, logger }: OrdersContext) => {
        const caller = requireScope(principal, "orders:write");
        const { items } = priceOrderInput(input);
        const order = orders.insert({ userId: caller.userId, createdAt: now(), items });
        logger.info({ orderId: order.id, totalCents: order.totalCents }, "order placed");
        return order;
      },
      applyPaymentEvent: (_root, { event }: { event: PaymentEvent }, { principal, logger }: OrdersContext) => {
        const service = requireService(principal, EVENT_SCOPES[event.kind]);
        const receipt = applyPaymentEvent(event);
        if (receipt.outcome === "APPLIED") committed();
        const line = { eventId: event.eventId, orderId: event.orderId, kind: event.kind, client: service.clientId, outcome: receipt.outcome, orderStatus: receipt.orderStatus };
        if (receipt.outcome === "REJECTED") logger.warn({ ...line, reason: receipt.reason }, "payment event rejected");
        else logger.info(line, receipt.outcome === "APPLIED" ? "payment event applied" : "payment event already applied");
        return receipt;
      },
      applyDeliveryProgress: (_root, { event }: { event: DeliveryProgressEvent }, { principal, logger }: OrdersContext) => {
        const service = requireService(principal, "orders:record-delivery");
        const receipt = applyDeliveryProgress(event);
        const line = { eventId: event.eventId, orderId: event.orderId, kind: event.kind, client: service.clientId, outcome: receipt.outcome, orderStatus: receipt.orderStatus };
        if (receipt.outcome === "REJECTED") logger.warn({ ...line, reason: receipt.reason }, "delivery event rejected");
        else logger.info(line, receipt.outcome === "APPLIED" ? "delivery event applied" : "delivery event already applied");
        return receipt;
      },
    },
    User: {
      // Orders holds no user data; the reference is enough to resolve User.orders.
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      orders: ({ id }: { id: string }, args: PageArgs, { principal }: OrdersContext) => {
        requireScope(principal, "orders:read");
        if (!isOwnerOrAdmin(principal, id)) throw forbidden("You may only list your own orders");
        return connection(id, args);
      },
    },
    Order: {
      // Couriers need the orders they carry; anyone else sees only their own (null otherwise).
      __resolveReference: async ({ id }: { id: string }, { principal, loaders }: OrdersContext) => {
        const order = await loaders.orderById.load(id);
        if (!order) return null;
        return isOwnerOrAdmin(principal, order.userId) || hasRole(principal, "courier") ? order : null;
      },
      user: (order: OrderRecord) => ({ __typename: "User", id: order.userId }),
      items: (order: OrderRecord, _args: unknown, { loaders }: OrdersContext) => loaders.itemsByOrderId.load(order.id),
      createdAt: (order: OrderRecord) => new Date(order.createdAt).toISOString(),
    },
  };
}
