/**
 * An outbox relay: delivers each committed event to the service it is for until that service
 * acknowledges it (payments -> orders, orders -> delivery). It runs at start (rows a previous process committed but never delivered go first), right
 * after each commit (`kick`), and when the earliest failed row's backoff ends; between those it
 * polls now and then for rows another payments process sharing the file left behind.
 */
import type { Logger } from "pino";
import type { OutboxRow, OutboxStore } from "./outbox-store.ts";

/** The receiver's answer to one event; any of them means "acknowledged, stop sending". */
export type Acknowledgement = { outcome: "APPLIED" | "DUPLICATE" | "REJECTED"; reason: string | null };

export interface RelayOptions<R extends OutboxRow = OutboxRow> {
  outbox: OutboxStore<R>;
  /** Sends one event; throws when the receiver did not acknowledge it. */
  deliver: (row: R) => Promise<Acknowledgement>;
  /** What a log line says about a row besides its event id (no secrets). Default nothing. */
  describe?: (row: R) => Record<string, unknown>;
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

export class OutboxRelay<R extends OutboxRow = OutboxRow> {
  readonly #o: Required<Omit<RelayOptions<R>, "outbox" | "deliver" | "logger">> & Pick<RelayOptions<R>, "outbox" | "deliver" | "logger">;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(options: RelayOptions<R>) {
    this.#o = { now: Date.now, initialBackoffMs: 250, maxBackoffMs: 10_000, leaseMs: 30_000, pollMs: 2_000, random: Math.random, describe: () => ({}), ...options };
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
      let rows: R[];
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

  async #send(row: R): Promise<void> {
    const o = this.#o;
    try {
      const ack = await o.deliver(row);
      o.outbox.markDelivered(row.seq, o.now(), ack.outcome);
      const line = { eventId: row.eventId, ...o.describe(row), outcome: ack.outcome, attempts: row.attempts + 1 };
      if (ack.outcome === "REJECTED") o.logger.error({ ...line, reason: ack.reason }, "event rejected by its receiver");
      else o.logger.info(line, "event delivered");
    } catch (error) {
      const delay = backoffMs(row.attempts + 1, o.initialBackoffMs, o.maxBackoffMs, o.random);
      const message = error instanceof Error ? error.message : String(error);
      try {
        o.outbox.markFailed(row.seq, o.now() + delay, message);
      } catch (dbError) {
        o.logger.error({ err: dbError }, "outbox update failed");
      }
      o.logger.warn({ eventId: row.eventId, ...o.describe(row), attempts: row.attempts + 1, retryInMs: delay, error: message }, "event not delivered; will retry");
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
