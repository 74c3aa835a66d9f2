import type { Db } from "../shared/db.ts";
import { OutboxStore, type OutboxRow } from "../shared/outbox-store.ts";

/** One payment event waiting to reach orders. */
export interface PaymentOutboxRow extends OutboxRow {
  kind: "PAID" | "REFUNDED";
  orderId: string;
  paymentId: string;
  amountCents: number;
}

const COLUMNS = "seq, event_id AS eventId, kind, order_id AS orderId, payment_id AS paymentId, amount_cents AS amountCents, attempts";

/** Payments' outbox table (schema.ts), for the relay. */
export const paymentsOutbox = (db: Db, run?: <T>(work: () => T) => T) =>
  new OutboxStore<PaymentOutboxRow>(db, { table: "outbox", columns: COLUMNS, ...(run ? { run } : {}) });
