/**
 * Status changes committed by every process sharing the database, for this process's listeners.
 * Several delivery instances run on one SQLite file; a change is published at once only in the
 * process that made it, so a subscription held by another instance would miss it. Every change
 * also writes a `delivery_events` row in the same transaction (a transactional outbox), so this
 * feed reads the rows past the last one it saw and publishes them here, in commit order. It
 * polls only while someone listens and starts from the newest row at that moment (nothing is
 * replayed). This process's own changes go through it too (the updater polls right after its
 * commit), so a listener sees every change once and in the order the database took them.
 */
import type { Db } from "../shared/db.ts";
import { etaFor } from "./policy.ts";
import type { DeliveryRecord } from "./repository.ts";
import type { DeliveryUpdates } from "./updates.ts";

type EventRow = Omit<DeliveryRecord, "eta" | "updatedAt"> & { seq: number; at: number };

export class DeliveryEventFeed {
  private readonly newest;
  private readonly after;
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `db`: a connection of its own (read-only is enough); the feed closes it. */
  constructor(
    private readonly db: Db,
    private readonly updates: DeliveryUpdates,
    private readonly intervalMs = 100,
  ) {
    this.newest = db.prepare("SELECT COALESCE(MAX(seq), 0) AS seq FROM delivery_events").pluck();
    this.after = db.prepare(
      `SELECT e.seq, e.delivery_id AS id, d.order_id AS orderId, d.customer_id AS customerId, d.courier_id AS courierId, e.status, e.at
       FROM delivery_events e JOIN deliveries d ON d.id = e.delivery_id
       WHERE e.seq > ? ORDER BY e.seq LIMIT 500`,
    );
  }

  /** Polls while there are listeners: call when the listener count changes. */
  listenersChanged(count: number): void {
    if (count > 0 && !this.timer) {
      this.lastSeq = this.newest.get() as number;
      this.timer = setInterval(() => this.poll(), this.intervalMs);
      this.timer.unref();
    } else if (count === 0 && this.timer) {
      this.stop();
    }
  }

  /** Publishes what any process committed since the last poll; nothing while no one listens. */
  poll(): void {
    if (!this.timer) return;
    for (const row of this.after.all(this.lastSeq) as EventRow[]) {
      this.lastSeq = row.seq;
      const { seq: _seq, at, ...rest } = row;
      this.updates.publish({ ...rest, eta: etaFor(row.status, at), updatedAt: at });
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
    this.db.close();
  }
}
