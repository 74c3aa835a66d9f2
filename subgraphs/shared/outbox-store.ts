import type { Db } from "./db.ts";

/** What the relay needs of every outbox row; each outbox adds its event's fields. */
export interface OutboxRow {
  seq: number;
  eventId: string;
  attempts: number;
}

/**
 * A relay's view of one outbox table (seq, event_id, attempts, next_attempt_at, delivered_at,
 * outcome, last_error, plus the event's own columns). Several processes may share the file, each
 * with its relay: a relay claims due rows by pushing their next attempt past a lease, in one
 * statement, so two relays do not send the same row at once (and if a lease runs out mid-send,
 * the receiver's idempotency makes the second send harmless).
 */
export class OutboxStore<R extends OutboxRow> {
  readonly #statements;
  readonly #run: <T>(work: () => T) => T;

  /**
   * `columns`: the SELECT list naming the row's fields (`seq, event_id AS eventId, attempts, …`).
   * `run`: wraps each use (openDatabase's `uncounted`, so the relay's polls stay out of sqlCount).
   */
  constructor(db: Db, { table, columns, run = (work) => work() }: { table: string; columns: string; run?: <T>(work: () => T) => T }) {
    this.#run = run;
    this.#statements = {
      claim: db.prepare<{ now: number; leaseUntil: number; limit: number }, R>(
        `UPDATE ${table} SET next_attempt_at = @leaseUntil
         WHERE seq IN (SELECT seq FROM ${table} WHERE delivered_at IS NULL AND next_attempt_at <= @now ORDER BY seq LIMIT @limit)
         RETURNING ${columns}`,
      ),
      delivered: db.prepare<{ seq: number; at: number; outcome: string }>(
        `UPDATE ${table} SET delivered_at = @at, outcome = @outcome, attempts = attempts + 1, last_error = NULL WHERE seq = @seq`,
      ),
      failed: db.prepare<{ seq: number; retryAt: number; error: string }>(
        `UPDATE ${table} SET attempts = attempts + 1, next_attempt_at = @retryAt, last_error = @error WHERE seq = @seq AND delivered_at IS NULL`,
      ),
      nextDue: db.prepare<[], { at: number | null }>(`SELECT MIN(next_attempt_at) AS at FROM ${table} WHERE delivered_at IS NULL`),
    };
  }

  /** Up to `limit` due rows, oldest first, leased until `leaseUntil`. */
  claim(now: number, leaseUntil: number, limit: number): R[] {
    return this.#run(() => this.#statements.claim.all({ now, leaseUntil, limit })).sort((a, b) => a.seq - b.seq);
  }

  markDelivered(seq: number, at: number, outcome: string): void {
    this.#run(() => this.#statements.delivered.run({ seq, at, outcome }));
  }

  markFailed(seq: number, retryAt: number, error: string): void {
    this.#run(() => this.#statements.failed.run({ seq, retryAt, error: error.slice(0, 500) }));
  }

  /** When the earliest undelivered row is due (or its lease ends); undefined when all are delivered. */
  nextDueAt(): number | undefined {
    return this.#run(() => this.#statements.nextDue.get())?.at ?? undefined;
  }
}
