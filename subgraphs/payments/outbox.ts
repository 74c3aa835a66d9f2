import type { Db } from "../shared/db.ts";

/** One event waiting to reach orders. */
export interface OutboxRow {
  seq: number;
  eventId: string;
  kind: "PAID" | "REFUNDED";
  orderId: string;
  paymentId: string;
  amountCents: number;
  attempts: number;
}

const COLUMNS = "seq, event_id AS eventId, kind, order_id AS orderId, payment_id AS paymentId, amount_cents AS amountCents, attempts";

/**
 * The relay's view of the outbox table. Several payments processes may share the file, each with
 * its relay: a relay claims due rows by pushing their next attempt past a lease, in one
 * statement, so two relays do not send the same row at once (and if a lease runs out mid-send,
 * orders' idempotency makes the second send harmless).
 */
export class Outbox {
  readonly #statements;

  constructor(db: Db) {
    this.#statements = {
      claim: db.prepare<{ now: number; leaseUntil: number; limit: number }, OutboxRow>(
        `UPDATE outbox SET next_attempt_at = @leaseUntil
         WHERE seq IN (SELECT seq FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= @now ORDER BY seq LIMIT @limit)
         RETURNING ${COLUMNS}`,
      ),
      delivered: db.prepare<{ seq: number; at: number; outcome: string }>(
        "UPDATE outbox SET delivered_at = @at, outcome = @outcome, attempts = attempts + 1, last_error = NULL WHERE seq = @seq",
      ),
      failed: db.prepare<{ seq: number; retryAt: number; error: string }>(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = @retryAt, last_error = @error WHERE seq = @seq AND delivered_at IS NULL",
      ),
      nextDue: db.prepare<[], { at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM outbox WHERE delivered_at IS NULL"),
    };
  }

  /** Up to `limit` due rows, oldest first, leased until `leaseUntil`. */
  claim(now: number, leaseUntil: number, limit: number): OutboxRow[] {
    return this.#statements.claim.all({ now, leaseUntil, limit }).sort((a, b) => a.seq - b.seq);
  }

  markDelivered(seq: number, at: number, outcome: string): void {
    this.#statements.delivered.run({ seq, at, outcome });
  }

  markFailed(seq: number, retryAt: number, error: string): void {
    this.#statements.failed.run({ seq, retryAt, error: error.slice(0, 500) });
  }

  /** When the earliest undelivered row is due (or its lease ends); undefined when all are delivered. */
  nextDueAt(): number | undefined {
    return this.#statements.nextDue.get()?.at ?? undefined;
  }
}
