import { jsonList, type Db } from "../shared/db.ts";
import type { DeliveryStatus } from "./policy.ts";

export interface DeliveryRecord {
  id: string;
  orderId: string;
  customerId: string;
  courierId: string | null;
  status: DeliveryStatus;
  /** Epoch ms, or null once delivered or failed. */
  eta: number | null;
  updatedAt: number;
}

export interface DeliveryEventRecord {
  deliveryId: string;
  status: DeliveryStatus;
  at: number;
  note: string | null;
}

export interface StatusChange {
  deliveryId: string;
  orderId: string;
  customerId: string;
  courierId: string | null;
  status: DeliveryStatus;
  eta: number | null;
  note: string | null;
  at: number;
}

const COLUMNS =
  "id, order_id AS orderId, customer_id AS customerId, courier_id AS courierId, status, eta, updated_at AS updatedAt";

/** The delivery tables' queries, each prepared once; list lookups take a JSON array. */
export class DeliveryRepository {
  readonly #statements;

  constructor(db: Db) {
    const newest = "ORDER BY updated_at DESC, seq DESC LIMIT ?";
    this.#statements = {
      byIds: db.prepare<[string], DeliveryRecord>(`SELECT ${COLUMNS} FROM deliveries WHERE id IN (SELECT value FROM json_each(?))`),
      byOrderIds: db.prepare<[string], DeliveryRecord>(
        `SELECT ${COLUMNS} FROM deliveries WHERE order_id IN (SELECT value FROM json_each(?))`,
      ),
      eventsByDeliveryIds: db.prepare<[string], DeliveryEventRecord>(
        `SELECT delivery_id AS deliveryId, status, at, note FROM delivery_events
         WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY delivery_id, seq`,
      ),
      newestForCourier: db.prepare<[string, number], DeliveryRecord>(`SELECT ${COLUMNS} FROM deliveries WHERE courier_id = ? ${newest}`),
      newest: db.prepare<[number], DeliveryRecord>(`SELECT ${COLUMNS} FROM deliveries ${newest}`),
      upsert: db.prepare(
        `INSERT INTO deliveries (id, order_id, customer_id, courier_id, status, eta, created_at, updated_at)
         VALUES (@deliveryId, @orderId, @customerId, @courierId, @status, @eta, @at, @at)
         ON CONFLICT (order_id) DO UPDATE SET courier_id = @courierId, status = @status, eta = @eta, updated_at = @at`,
      ),
      insertEvent: db.prepare("INSERT INTO delivery_events (delivery_id, status, at, note) VALUES (@deliveryId, @status, @at, @note)"),
      orderEventSeen: db.prepare<[string], { n: number }>("SELECT 1 AS n FROM order_status_events WHERE event_id = ?"),
      recordOrderEvent: db.prepare("INSERT INTO order_status_events (event_id, order_id, status, recorded_at) VALUES (@eventId, @orderId, @status, @at)"),
    };
  }

  byIds(ids: readonly string[]): DeliveryRecord[] {
    return this.#statements.byIds.all(jsonList(ids));
  }

  byOrderIds(orderIds: readonly string[]): DeliveryRecord[] {
    return this.#statements.byOrderIds.all(jsonList(orderIds));
  }

  eventsByDeliveryIds(ids: readonly string[]): DeliveryEventRecord[] {
    return this.#statements.eventsByDeliveryIds.all(jsonList(ids));
  }

  /** Most recently updated first; every delivery when courierId is undefined. */
  newest(courierId: string | undefined, limit: number): DeliveryRecord[] {
    return courierId === undefined ? this.#statements.newest.all(limit) : this.#statements.newestForCourier.all(courierId, limit);
  }

  /**
   * Records an order status change once per event id; when the order has a delivery, a history
   * event with the delivery's unchanged status and a note ("Order PAID") goes with it, so the
   * event feed publishes it. False for an event seen before. The caller wraps it in a transaction.
   */
  recordOrderStatus(event: { eventId: string; orderId: string; status: string; at: number }): boolean {
    if (this.#statements.orderEventSeen.get(event.eventId)) return false;
    this.#statements.recordOrderEvent.run(event);
    const delivery = this.#statements.byOrderIds.get(jsonList([event.orderId]));
    if (delivery) this.#statements.insertEvent.run({ deliveryId: delivery.id, status: delivery.status, at: event.at, note: `Order ${event.status}` });
    return true;
  }

  /** Writes the new state and its history event; the caller wraps it in a transaction. */
  applyStatusChange(change: StatusChange): void {
    this.#statements.upsert.run(change);
    this.#statements.insertEvent.run(change);
  }
}
