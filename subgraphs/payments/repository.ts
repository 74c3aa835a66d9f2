import { createHash, randomBytes } from "node:crypto";
import { jsonList, type Db } from "../shared/db.ts";
import type { PaymentMethod, PaymentStatus } from "./seed.ts";

export interface PaymentRecord {
  id: string;
  orderId: string;
  userId: string;
  amountCents: number;
  method: PaymentMethod;
  status: PaymentStatus;
  idempotencyKey: string | null;
  /** The payment provider's charge; null for a payment recorded without a provider. */
  chargeId: string | null;
  createdAt: number;
}

export interface NewPayment {
  orderId: string;
  userId: string;
  amountCents: number;
  method: PaymentMethod;
  idempotencyKey: string;
  chargeId: string | null;
  createdAt: number;
}

export type RefundOutcome =
  | { kind: "refunded"; payment: PaymentRecord }
  | { kind: "not_found" }
  /** Only a SUCCEEDED payment can be refunded (a refunded one is answered as it is). */
  | { kind: "not_refundable"; payment: PaymentRecord };

export type CreateOutcome =
  | { kind: "created"; payment: PaymentRecord }
  /** The key was used before: the original payment, whatever this request asked. */
  | { kind: "replayed"; payment: PaymentRecord }
  | { kind: "already_paid"; payment: PaymentRecord };

/**
 * A payment's id follows from its caller and idempotency key, so it is known before the payment
 * is written: the provider's charge carries it, and a retried payOrder asks for the same one.
 */
export const paymentIdFor = (userId: string, idempotencyKey: string): string =>
  `pay_${createHash("sha256").update(`${userId}\u0000${idempotencyKey}`).digest("base64url").slice(0, 12)}`;

const COLUMNS =
  "id, order_id AS orderId, user_id AS userId, amount_cents AS amountCents, method, status, idempotency_key AS idempotencyKey, charge_id AS chargeId, created_at AS createdAt";

/** The payments table's queries, each prepared once; list lookups take a JSON array. */
export class PaymentRepository {
  readonly #statements;
  readonly createOnce: (payment: NewPayment) => CreateOutcome;
  readonly refund: (paymentId: string, at: number) => RefundOutcome;

  constructor(db: Db) {
    const s = (this.#statements = {
      byIds: db.prepare<[string], PaymentRecord>(`SELECT ${COLUMNS} FROM payments WHERE id IN (SELECT value FROM json_each(?))`),
      byOrderIds: db.prepare<[string], PaymentRecord>(
        `SELECT ${COLUMNS} FROM payments WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, created_at, seq`,
      ),
      byKey: db.prepare<[string, string], PaymentRecord>(`SELECT ${COLUMNS} FROM payments WHERE user_id = ? AND idempotency_key = ?`),
      succeededForOrder: db.prepare<[string], PaymentRecord>(
        `SELECT ${COLUMNS} FROM payments WHERE order_id = ? AND status = 'SUCCEEDED' LIMIT 1`,
      ),
      insert: db.prepare<NewPayment & { id: string }, PaymentRecord>(
        `INSERT INTO payments (id, order_id, user_id, amount_cents, method, status, idempotency_key, charge_id, created_at)
         VALUES (@id, @orderId, @userId, @amountCents, @method, 'SUCCEEDED', @idempotencyKey, @chargeId, @createdAt)
         ON CONFLICT (user_id, idempotency_key) DO NOTHING
         RETURNING ${COLUMNS}`,
      ),
      setStatus: db.prepare<[PaymentStatus, string]>("UPDATE payments SET status = ? WHERE id = ?"),
      enqueue: db.prepare<{ kind: "PAID" | "REFUNDED"; orderId: string; paymentId: string; amountCents: number; at: number; eventId: string }>(
        `INSERT INTO outbox (event_id, kind, order_id, payment_id, amount_cents, created_at, next_attempt_at)
         VALUES (@eventId, @kind, @orderId, @paymentId, @amountCents, @at, @at)`,
      ),
    });
    /** The event telling orders of a change, written in the change's own transaction. */
    const enqueue = (kind: "PAID" | "REFUNDED", payment: PaymentRecord, at: number) =>
      s.enqueue.run({ kind, orderId: payment.orderId, paymentId: payment.id, amountCents: payment.amountCents, at, eventId: `evt_${randomBytes(12).toString("base64url")}` });

    // IMMEDIATE: the write lock is taken before the checks, so even two processes sharing the
    // file see each other's payment; ON CONFLICT covers the key, the check covers the order.
    this.createOnce = db
      .transaction((payment: NewPayment): CreateOutcome => {
        const existing = s.byKey.get(payment.userId, payment.idempotencyKey);
        if (existing) return { kind: "replayed", payment: existing };
        const paid = s.succeededForOrder.get(payment.orderId);
        if (paid) return { kind: "already_paid", payment: paid };
        const created = s.insert.get({ ...payment, id: paymentIdFor(payment.userId, payment.idempotencyKey) });
        if (created) {
          enqueue("PAID", created, payment.createdAt);
          return { kind: "created", payment: created };
        }
        const winner = s.byKey.get(payment.userId, payment.idempotencyKey);
        if (!winner) throw new Error("payment insert conflicted but no row holds the key");
        return { kind: "replayed", payment: winner };
      })
      .immediate;

    this.refund = db
      .transaction((paymentId: string, at: number): RefundOutcome => {
        const payment = s.byIds.get(jsonList([paymentId]));
        if (!payment) return { kind: "not_found" };
        if (payment.status !== "SUCCEEDED") return { kind: "not_refundable", payment };
        s.setStatus.run("REFUNDED", paymentId);
        const refunded = { ...payment, status: "REFUNDED" as const };
        enqueue("REFUNDED", refunded, at);
        return { kind: "refunded", payment: refunded };
      })
      .immediate;
  }

  byIds(ids: readonly string[]): PaymentRecord[] {
    return this.#statements.byIds.all(jsonList(ids));
  }

  /** Every payment of the given orders, oldest first within an order. */
  byOrderIds(orderIds: readonly string[]): PaymentRecord[] {
    return this.#statements.byOrderIds.all(jsonList(orderIds));
  }

  byKey(userId: string, idempotencyKey: string): PaymentRecord | undefined {
    return this.#statements.byKey.get(userId, idempotencyKey);
  }
}
