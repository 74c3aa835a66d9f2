import { hasRole, isAdmin, requireScope, requireService, requireUser } from "../shared/authz.ts";
import { badInput, forbidden, notFound } from "../shared/errors.ts";
import type { Principal } from "../shared/identity.ts";
import type { Resolvers } from "../shared/schema.ts";
import type { DeliveryContext } from "./context.ts";
import type { DeliveryStatus } from "./policy.ts";
import type { DeliveryEventRecord, DeliveryRecord, DeliveryRepository } from "./repository.ts";
import type { StatusUpdateRequest } from "./status-updates.ts";
import type { orderDeliveryUpdated } from "./subscription.ts";

const MAX_DELIVERIES = 100;
const MAX_NOTE_LENGTH = 500;

/**
 * Who may read a delivery: its order's customer, any courier (they pick work from the pool,
 * and orders lets couriers resolve any order), and admins.
 */
const canRead = (principal: Principal, delivery: DeliveryRecord): boolean =>
  principal.kind === "user" &&
  principal.scopes.has("deliveries:read") &&
  (principal.userId === delivery.customerId || hasRole(principal, "courier") || isAdmin(principal));

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function deliveryResolvers(deps: {
  deliveries: DeliveryRepository;
  updateStatus: (request: StatusUpdateRequest) => Promise<DeliveryRecord>;
  /** Subscription.orderDeliveryUpdated (subscription.ts). */
  orderDeliveryUpdated: ReturnType<typeof orderDeliveryUpdated>;
  /** Records an order status change; false for an event id seen before (status-updates.ts). */
  recordOrderStatus: (event: { eventId: string; orderId: string; status: string }) => boolean;
}): Resolvers<DeliveryContext> {
  const { deliveries, updateStatus } = deps;
  const visible = (principal: Principal) => (delivery: DeliveryRecord | null) =>
    delivery && canRead(principal, delivery) ? delivery : null;

  return {
    Query: {
      delivery: async (_root, { id }: { id: string }, { principal, loaders }: DeliveryContext) => {
        requireScope(principal, "deliveries:read");
        const delivery = await loaders.deliveryById.load(id);
        // Someone else's delivery answers like a missing one (see shared/errors.ts, notFound).
        if (!delivery || !canRead(principal, delivery)) throw notFound("Delivery");
        return delivery;
      },
      myDeliveries: (_root, { first }: { first: number }, { principal }: DeliveryContext) => {
        const caller = requireScope(principal, "deliveries:read");
        if (!Number.isInteger(first) || first < 0 || first > MAX_DELIVERIES) {
          throw badInput(`first must be between 0 and ${MAX_DELIVERIES}`, { argumentName: "first", max: MAX_DELIVERIES });
        }
        if (isAdmin(caller)) return deliveries.newest(undefined, first);
        if (hasRole(caller, "courier")) return deliveries.newest(caller.userId, first);
        throw forbidden("Only couriers have assigned deliveries");
      },
    },
    Mutation: {
      updateDeliveryStatus: (
        _root,
        args: { orderId: string; status: DeliveryStatus; note?: string | null },
        { principal, authorization, requestId, logger }: DeliveryContext,
      ) => {
        const caller = requireUser(principal);
        if (!hasRole(caller, "courier") && !isAdmin(caller)) throw forbidden("Only couriers and admins update deliveries");
        requireScope(caller, "deliveries:write");
        const note = args.note?.trim() || null;
        if (note && note.length > MAX_NOTE_LENGTH) throw badInput(`note is longer than ${MAX_NOTE_LENGTH} characters`);
        return updateStatus({ caller, orderId: args.orderId, status: args.status, note, authorization, requestId, logger });
      },
      recordOrderStatus: (_root, { event }: { event: { eventId: string; orderId: string; status: string } }, { principal, logger }: DeliveryContext) => {
        requireService(principal, "deliveries:record-order-status");
        const applied = deps.recordOrderStatus(event);
        logger.info({ eventId: event.eventId, orderId: event.orderId, status: event.status, applied }, "order status recorded");
        return { eventId: event.eventId, outcome: applied ? "APPLIED" : "DUPLICATE" };
      },
    },
    Subscription: {
      orderDeliveryUpdated: deps.orderDeliveryUpdated,
    },
    Order: {
      // Delivery only extends Order; the reference carries the id Order.delivery needs.
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      delivery: async ({ id }: { id: string }, _args: unknown, { principal, loaders }: DeliveryContext) =>
        visible(principal)(await loaders.deliveryByOrderId.load(id)),
    },
    Delivery: {
      __resolveReference: async ({ id }: { id: string }, { principal, loaders }: DeliveryContext) =>
        visible(principal)(await loaders.deliveryById.load(id)),
      order: (delivery: DeliveryRecord) => ({ __typename: "Order", id: delivery.orderId }),
      courier: (delivery: DeliveryRecord) => (delivery.courierId ? { __typename: "User", id: delivery.courierId } : null),
      eta: (delivery: DeliveryRecord) => iso(delivery.eta),
      events: (delivery: DeliveryRecord, _args: unknown, { loaders }: DeliveryContext) => loaders.eventsByDeliveryId.load(delivery.id),
    },
    DeliveryEvent: {
      at: (event: DeliveryEventRecord) => iso(event.at),
    },
  };
}
