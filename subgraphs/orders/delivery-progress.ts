import type { Db } from "../shared/db.ts";
import type { OrderStatus } from "./repository.ts";

/**
 * What delivery's relay tells orders: the goods left (PICKED_UP, for a delivery that reached
 * PICKED_UP or IN_TRANSIT) or were handed over (DELIVERED). One row of delivery's outbox.
 */
export interface DeliveryProgressEvent {
  eventId: string;
  orderId: string;
  deliveryId: string;
  kind: "PICKED_UP" | "DELIVERED";
}

export interface DeliveryProgressReceipt {
  eventId: string;
  outcome: "APPLIED" | "DUPLICATE" | "REJECTED";
  /** The order's status after the event (null for an unknown order). */
  orderStatus: OrderStatus | null;
  reason: string | null;
}

type Decision = { outcome: "APPLIED" | "REJECTED"; statusAfter: OrderStatus; reason: string | null };

/** The order status each kind of event means. */
const STATUS_FOR: Readonly<Record<DeliveryProgressEvent["kind"], OrderStatus>> = { PICKED_UP: "SHIPPED", DELIVERED: "DELIVERED" };

/** How far along an order is: an event never moves it back (its relay may deliver events out of order). */
const PROGRESS: Readonly<Partial<Record<OrderStatus, number>>> = { PAID: 0, SHIPPED: 1, DELIVERED: 2 };

/**
 * The effect of one delivery event on an order in a given state. Pure, so it is tested as a
 * table. A paid order moves forward (PAID -> SHIPPED -> DELIVERED, or straight to DELIVERED);
 * one already as far or further stays where it is; an order that is not paid (PENDING, or
 * CANCELLED and REFUNDED, which are final) is left alone and the event recorded REJECTED.
 */
export function decideDeliveryProgress(order: { status: OrderStatus }, event: Pick<DeliveryProgressEvent, "kind">): Decision {
  const target = STATUS_FOR[event.kind];
  const now = PROGRESS[order.status];
  if (now === undefined) return { outcome: "REJECTED", statusAfter: order.status, reason: `the order is ${order.status}` };
  return { outcome: "APPLIED", statusAfter: now >= PROGRESS[target]! ? order.status : target, reason: null };
}

/**
 * Applies delivery events exactly once each, as payment events are (payment-events.ts): the
 * event id is the primary key of delivery_progress, and the check, the status change and the
 * record commit in one IMMEDIATE transaction, so a redelivered event is a DUPLICATE. Delivery
 * caused the change and already told its subscribers, so nothing goes to orders' outbox.
 */
export function createDeliveryProgressApplier(db: Db, now: () => number) {
  const s = {
    seen: db.prepare<[string], { reason: string | null; status: OrderStatus | null }>(
      `SELECT e.reason, o.status FROM delivery_progress e LEFT JOIN orders o ON o.id = e.order_id WHERE e.event_id = ?`,
    ),
    order: db.prepare<[string], { status: OrderStatus }>("SELECT status FROM orders WHERE id = ?"),
    setStatus: db.prepare<[OrderStatus, string]>("UPDATE orders SET status = ? WHERE id = ?"),
    record: db.prepare(
      `INSERT INTO delivery_progress (event_id, order_id, delivery_id, kind, outcome, reason, status_after, applied_at)
       VALUES (@eventId, @orderId, @deliveryId, @kind, @outcome, @reason, @statusAfter, @appliedAt)`,
    ),
  };
  const apply = db.transaction((event: DeliveryProgressEvent): DeliveryProgressReceipt => {
    const seen = s.seen.get(event.eventId);
    if (seen) return { eventId: event.eventId, outcome: "DUPLICATE", orderStatus: seen.status, reason: seen.reason };
    const order = s.order.get(event.orderId);
    const decision: Decision = order ? decideDeliveryProgress(order, event) : { outcome: "REJECTED", statusAfter: "PENDING", reason: "no such order" };
    if (order && decision.statusAfter !== order.status) s.setStatus.run(decision.statusAfter, event.orderId);
    s.record.run({ ...event, outcome: decision.outcome, reason: decision.reason, statusAfter: decision.statusAfter, appliedAt: now() });
    return { eventId: event.eventId, outcome: decision.outcome, orderStatus: order ? decision.statusAfter : null, reason: decision.reason };
  });
  return (event: DeliveryProgressEvent): DeliveryProgressReceipt => apply.immediate(event);
}
