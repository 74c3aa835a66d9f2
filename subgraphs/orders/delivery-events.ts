import type { Logger } from "pino";
import type { Db } from "../shared/db.ts";
import { createServiceOrdersCaller, type OrdersCaller } from "../shared/orders-client.ts";
import type { Acknowledgement } from "../shared/outbox-relay.ts";
import { OutboxStore, type OutboxRow } from "../shared/outbox-store.ts";
import type { ServiceTokenSource } from "../shared/service-token.ts";

/** One order status change waiting to reach delivery. */
export interface OrderStatusOutboxRow extends OutboxRow {
  orderId: string;
  status: string;
}

/** Orders' outbox table (schema.ts), for the relay. */
export const ordersOutbox = (db: Db, run?: <T>(work: () => T) => T) =>
  new OutboxStore<OrderStatusOutboxRow>(db, { table: "outbox", columns: "seq, event_id AS eventId, order_id AS orderId, status, attempts", ...(run ? { run } : {}) });

const RECORD = `mutation RecordOrderStatus($event: OrderStatusEventInput!) {
  recordOrderStatus(event: $event) { eventId outcome }
}`;

type Answer = { recordOrderStatus?: { eventId: string; outcome: "APPLIED" | "DUPLICATE" } };

/**
 * Sends one row to delivery's internal `recordOrderStatus` with orders' service token, on any
 * live delivery instance. Only an answer naming the event acknowledges it.
 */
export function createDeliveryEventSender(call: OrdersCaller, tokens: ServiceTokenSource, logger: Logger) {
  const callAsService = createServiceOrdersCaller(call, tokens);
  return async (row: OrderStatusOutboxRow): Promise<Acknowledgement> => {
    const answer = await callAsService<Answer>(
      { query: RECORD, variables: { event: { eventId: row.eventId, orderId: row.orderId, status: row.status } } },
      logger,
      `relay-${row.eventId}`,
    );
    const receipt = answer.data?.recordOrderStatus;
    if (!receipt || receipt.eventId !== row.eventId) {
      throw new Error(`delivery did not acknowledge: ${answer.errors?.map((e) => e.message).join("; ") ?? "no receipt"}`);
    }
    return { outcome: receipt.outcome, reason: null };
  };
}
