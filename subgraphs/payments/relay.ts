/**
 * The outbox relay: delivers each committed payment event to orders until orders acknowledges
 * it. It runs at start (rows a previous process committed but never delivered go first), right
 * after each commit (`kick`), and when the earliest failed row's backoff ends; between those it
 * polls now and then for rows another payments process sharing the file left behind.
 */
import type { Logger } from "pino";
import type { Outbox, OutboxRow } from "./outbox.ts";

/** Orders' answer to one event; any of them means "acknowledged, stop sending". */
export type Acknowledgement = { outcome: "APPLIED" | "DUPLICATE" | "REJECTED"; reason: string | null };

export interface RelayOptions {
  outbox: Outbox;
  /** Sends one event to orders; throws when orders did not acknowledge it. */
  deliver: (row: OutboxRow) => Promise<Acknowledgement>;
  logger: Logger;
  now?: () => number;
  /** First retry delay; doubles per failed attempt. Default 250 ms. */
  initialBackoffMs?: number;
  /** Ceiling of the retry delay. Default 10 000 ms. */
  maxBackoffMs?: number;
  /** How long a claimed row is this relay's before another may send it. Default 30 000 ms. */
  leaseMs?: number;
  /** Longest wait between looks at the table. Default 2000 ms. */
  pollMs?: number;
  /** Random source for jitter, in [0, 1). Default Math.random. */
  random?: () => number;
}

/** The delay before attempt `attempts + 1`: exponential, capped, with ±20 % jitter so relays spread out. */
export function backoffMs(attempts: number, initialMs: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class OutboxRelay {
  readonly #o: Required<Omit<RelayOptions, "outbox" | "deliver" | "logger">> & Pick<RelayOptions, "outbox" | "deliver" | "logger">;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(options: RelayOptions) {
    this.#o = { now: Date.now, initialBackoffMs: 250, maxBackoffMs: 10_000, leaseMs: 30_000, pollMs: 2_000, random: Math.random, ...options };
  }

  /** Starts delivering what is due now, then keeps going. */
  start(): void {
    this.kick();
  }

  /** Looks at the table now (after a commit); a run in progress looks again when it ends. */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      } else this.#schedule();
    });
  }

  /** Stops after the send in progress; undelivered rows stay in the table for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  async #run(): Promise<void> {
    const o = this.#o;
    // Bounded: at most 10 batches per run, then the schedule takes over.
    for (let batch = 0; batch < 10 && !this.#closed; batch++) {
      let rows: OutboxRow[];
      try {
        rows = o.outbox.claim(o.now(), o.now() + o.leaseMs, 20);
      } catch (error) {
        o.logger.error({ err: error }, "outbox claim failed");
        return;
      }
      if (rows.length === 0) return;
      for (const row of rows) {
        if (this.#closed) return;
        await this.#send(row);
      }
    }
  }

  async #send(row: OutboxRow): Promise<void> {
    const o = this.#o;
    try {
      const ack = await o.deliver(row);
      o.outbox.markDelivered(row.seq, o.now(), ack.outcome);
      const line = { eventId: row.eventId, orderId: row.orderId, kind: row.kind, outcome: ack.outcome, attempts: row.attempts + 1 };
      if (ack.outcome === "REJECTED") o.logger.error({ ...line, reason: ack.reason }, "orders rejected a payment event");
      else o.logger.info(line, "payment event delivered");
    } catch (error) {
      const delay = backoffMs(row.attempts + 1, o.initialBackoffMs, o.maxBackoffMs, o.random);
      const message = error instanceof Error ? error.message : String(error);
      try {
        o.outbox.markFailed(row.seq, o.now() + delay, message);
      } catch (dbError) {
        o.logger.error({ err: dbError }, "outbox update failed");
      }
      o.logger.warn({ eventId: row.eventId, orderId: row.orderId, attempts: row.attempts + 1, retryInMs: delay, error: message }, "payment event not delivered; will retry");
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    let due: number | undefined;
    try {
      due = this.#o.outbox.nextDueAt();
    } catch {
      due = undefined;
    }
    const wait = due === undefined ? this.#o.pollMs : Math.min(this.#o.pollMs, Math.max(0, due - this.#o.now()));
    this.#timer = setTimeout(() => this.kick(), wait);
    // The relay never holds the process open on its own; the server does.
    this.#timer.unref();
  }
}
