import type { Logger } from "pino";
import type { Db } from "../shared/db.ts";
import { appError, forbidden } from "../shared/errors.ts";
import type { UserPrincipal } from "../shared/identity.ts";
import type { OrdersClient } from "../shared/orders-client.ts";
import { decideStatusUpdate, etaFor, needsPaidOrder, PAID_ORDER_STATUSES, type DeliveryStatus } from "./policy.ts";
import type { OrderStatusLookup } from "./order-status.ts";
import { progressEventFor, type ProgressKind } from "./progress-outbox.ts";
import type { DeliveryRecord, DeliveryRepository } from "./repository.ts";
import type { DeliveryEventFeed } from "./event-feed.ts";
import type { DeliveryUpdates } from "./updates.ts";

export interface StatusUpdateRequest {
  caller: UserPrincipal;
  orderId: string;
  status: DeliveryStatus;
  note: string | null;
  authorization: string | undefined;
  requestId: string;
  logger: Logger;
}

/** d<n> for o<n>, so a delivery's id can be told from its order's at a glance. */
export const deliveryIdFor = (orderId: string): string => (/^o\d+$/.test(orderId) ? `d${orderId.slice(1)}` : `d-${orderId}`);

/**
 * updateDeliveryStatus: creates the delivery of a newly placed order on first use (asking the
 * orders subgraph, as the caller, who owns it), applies the policy, writes state and history
 * in one transaction, then publishes the change.
 */
export function createStatusUpdater(deps: {
  db: Db;
  deliveries: DeliveryRepository;
  fetchOrder: OrdersClient;
  /** Orders' status of an order, asked with delivery's service token. */
  orderStatus: OrderStatusLookup;
  updates: DeliveryUpdates;
  /** Publishes committed changes (this process's and other instances'); without it, changes are published directly. */
  feed?: DeliveryEventFeed;
  /** Writes an outbox row for orders, inside the change's transaction (progress-outbox.ts). */
  tellOrders: (event: { orderId: string; deliveryId: string; kind: ProgressKind; at: number }) => void;
  /** Called after each committed change, which may have written an outbox row: the relay sends it at once. */
  committed: () => void;
  now: () => number;
}) {
  const { db, deliveries, fetchOrder, orderStatus, updates, feed, tellOrders, committed, now } = deps;

  const write = db.transaction((request: StatusUpdateRequest, customerId: string | undefined, checkedPaid: boolean): DeliveryRecord => {
    // Re-read inside the write lock: another request may have changed it since the first look.
    const current = deliveries.byOrderIds([request.orderId])[0];
    const owner = current?.customerId ?? customerId;
    if (owner === undefined) throw appError("NOT_FOUND", "Order not found");
    if (!checkedPaid && needsPaidOrder(current?.status, request.status)) {
      // It went back to PENDING between the first look and the lock: payment was not checked.
      throw appError("ORDER_NOT_PAID", "The delivery changed meanwhile and its order's payment was not checked; try again", { orderId: request.orderId });
    }
    const actor = { userId: request.caller.userId, isAdmin: request.caller.roles.includes("admin") };
    const decision = decideStatusUpdate(current, actor, request.status);
    switch (decision.kind) {
      case "forbidden":
        throw forbidden(decision.reason);
      case "invalid_transition":
        throw appError("INVALID_STATUS_TRANSITION", `A ${decision.from} delivery cannot become ${decision.to}`, {
          from: decision.from,
          to: decision.to,
        });
      case "allow": {
        const at = now();
        const change = {
          deliveryId: current?.id ?? deliveryIdFor(request.orderId),
          orderId: request.orderId,
          customerId: owner,
          courierId: decision.courierId,
          status: request.status,
          eta: etaFor(request.status, at),
          note: request.note,
          at,
        };
        deliveries.applyStatusChange(change);
        // The goods left or arrived: orders learns it exactly once, through the outbox.
        const progress = progressEventFor(current?.status, request.status);
        if (progress) tellOrders({ orderId: request.orderId, deliveryId: change.deliveryId, kind: progress, at });
        const { deliveryId: id, orderId, courierId, status, eta } = change;
        return { id, orderId, customerId: owner, courierId, status, eta, updatedAt: at };
      }
      default:
        return decision satisfies never;
    }
  });

  const recordOrderStatus = db.transaction((event: { eventId: string; orderId: string; status: string }) =>
    deliveries.recordOrderStatus({ ...event, at: now() }),
  );

  /** publish() of the change: through the feed when there is one, in commit order (see below). */
  const announce = (orderId: string): void => {
    if (feed) return feed.poll();
    const delivery = deliveries.byOrderIds([orderId])[0];
    if (delivery) updates.publish(delivery);
  };

  const update = async (request: StatusUpdateRequest): Promise<DeliveryRecord> => {
    let customerId: string | undefined;
    const current = deliveries.byOrderIds([request.orderId])[0];
    if (!current) {
      const order = await fetchOrder(request.orderId, request);
      if (!order) throw appError("NOT_FOUND", "Order not found");
      customerId = order.userId;
    }
    const checkedPaid = needsPaidOrder(current?.status, request.status);
    if (checkedPaid) {
      // A delivery leaves PENDING only for a paid order; orders says, asked as the delivery service.
      const order = await orderStatus(request.orderId, request);
      if (!order) throw appError("NOT_FOUND", "Order not found");
      if (!PAID_ORDER_STATUSES.has(order.status)) {
        throw appError(
          "ORDER_NOT_PAID",
          `Order ${request.orderId} is ${order.status}: its delivery cannot become ${request.status} until the order is paid`,
          { orderId: request.orderId, orderStatus: order.status },
        );
      }
    }
    const delivery = write.immediate(request, customerId, checkedPaid);
    // The change may have written an outbox row (decided inside the lock): let the relay look.
    committed();
    request.logger.info({ deliveryId: delivery.id, status: delivery.status }, "delivery status updated");
    // Through the feed when there is one: it publishes what other instances committed before this
    // change first, so listeners see changes in commit order. Other instances read it from theirs.
    if (feed) feed.poll();
    else updates.publish(delivery);
    return delivery;
  };

  return {
    update,
    /** The order's status changed (orders says): noted in its delivery's history and pushed to its subscribers. */
    recordOrderStatus: (event: { eventId: string; orderId: string; status: string }): boolean => {
      const applied = recordOrderStatus.immediate(event);
      if (applied) announce(event.orderId);
      return applied;
    },
  };
}
