import { randomBytes } from "node:crypto";
import type { Db } from "../shared/db.ts";
import type { OrderStatus } from "./repository.ts";

/** What payments' relay tells orders: one row of its outbox. */
export interface PaymentEvent {
  eventId: string;
  orderId: string;
  kind: "PAID" | "REFUNDED";
  paymentId: string;
  amountCents: number;
}

export type PaymentEventOutcome = "APPLIED" | "DUPLICATE" | "REJECTED";

export interface PaymentEventReceipt {
  eventId: string;
  outcome: PaymentEventOutcome;
  /** The order's status after the event (null for an unknown order). */
  orderStatus: OrderStatus | null;
  reason: string | null;
}

type Decision = { outcome: "APPLIED" | "REJECTED"; statusAfter: OrderStatus; reason: string | null };

/** Orders that are paid for: a PAID event for them changes nothing (the seed's, or a replay under a new id). */
const PAID_OR_LATER: ReadonlySet<OrderStatus> = new Set(["PAID", "SHIPPED", "DELIVERED"]);

/** The effect of one event on an order in a given state. Pure, so it is tested as a table. */
export function decidePaymentEvent(order: { status: OrderStatus; totalCents: number }, event: Pick<PaymentEvent, "kind" | "amountCents">): Decision {
  if (event.kind === "REFUNDED") return { outcome: "APPLIED", statusAfter: "REFUNDED", reason: null };
  if (event.amountCents !== order.totalCents) {
    return { outcome: "REJECTED", statusAfter: order.status, reason: `paid ${event.amountCents}, the order totals ${order.totalCents}` };
  }
  if (order.status === "PENDING") return { outcome: "APPLIED", statusAfter: "PAID", reason: null };
  if (PAID_OR_LATER.has(order.status)) return { outcome: "APPLIED", statusAfter: order.status, reason: null };
  return { outcome: "REJECTED", statusAfter: order.status, reason: `the order is ${order.status}` };
}

/**
 * Applies payment events exactly once each: the event id is the primary key of payment_events,
 * and the check, the status change and the record of the event commit in one IMMEDIATE
 * transaction, so a redelivered event, even racing its twin on another instance, is a
 * DUPLICATE that changes nothing. A REJECTED event is recorded too, so the relay stops sending it.
 * A status change also writes orders' outbox row for delivery, in the same transaction.
 */
export function createPaymentEventApplier(db: Db, now: () => number) {
  const s = {
    seen: db.prepare<[string], { outcome: "APPLIED" | "REJECTED"; reason: string | null; status: OrderStatus | null }>(
      `SELECT e.outcome, e.reason, o.status FROM payment_events e LEFT JOIN orders o ON o.id = e.order_id WHERE e.event_id = ?`,
    ),
    order: db.prepare<[string], { status: OrderStatus; totalCents: number }>("SELECT status, total_cents AS totalCents FROM orders WHERE id = ?"),
    setStatus: db.prepare<[OrderStatus, string]>("UPDATE orders SET status = ? WHERE id = ?"),
    tellDelivery: db.prepare<{ eventId: string; orderId: string; status: OrderStatus; at: number }>(
      "INSERT INTO outbox (event_id, order_id, status, created_at, next_attempt_at) VALUES (@eventId, @orderId, @status, @at, @at)",
    ),
    record: db.prepare(
      `INSERT INTO payment_events (event_id, order_id, kind, payment_id, amount_cents, outcome, reason, status_after, applied_at)
       VALUES (@eventId, @orderId, @kind, @paymentId, @amountCents, @outcome, @reason, @statusAfter, @appliedAt)`,
    ),
  };
  const apply = db.transaction((event: PaymentEvent): PaymentEventReceipt => {
    const seen = s.seen.get(event.eventId);
    if (seen) return { eventId: event.eventId, outcome: "DUPLICATE", orderStatus: seen.status, reason: seen.reason };
    const order = s.order.get(event.orderId);
    const decision: Decision = order
      ? decidePaymentEvent(order, event)
      : { outcome: "REJECTED", statusAfter: "PENDING", reason: "no such order" };
    const at = now();
    if (order && decision.outcome === "APPLIED" && decision.statusAfter !== order.status) {
      s.setStatus.run(decision.statusAfter, event.orderId);
      s.tellDelivery.run({ eventId: `ost_${randomBytes(12).toString("base64url")}`, orderId: event.orderId, status: decision.statusAfter, at });
    }
    s.record.run({ ...event, outcome: decision.outcome, reason: decision.reason, statusAfter: decision.statusAfter, appliedAt: at });
    return { eventId: event.eventId, outcome: decision.outcome, orderStatus: order ? decision.statusAfter : null, reason: decision.reason };
  });
  return (event: PaymentEvent): PaymentEventReceipt => apply.immediate(event);
}
