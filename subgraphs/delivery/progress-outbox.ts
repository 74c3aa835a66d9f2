import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { Db } from "../shared/db.ts";
import { createServiceOrdersCaller, type OrdersCaller } from "../shared/orders-client.ts";
import type { Acknowledgement } from "../shared/outbox-relay.ts";
import { OutboxStore, type OutboxRow } from "../shared/outbox-store.ts";
import type { ServiceTokenSource } from "../shared/service-token.ts";
import type { DeliveryStatus } from "./policy.ts";

/** What orders learns of a delivery: the goods left, or arrived. */
export type ProgressKind = "PICKED_UP" | "DELIVERED";

/** One delivery milestone waiting to reach orders. */
export interface ProgressOutboxRow extends OutboxRow {
  orderId: string;
  deliveryId: string;
  kind: ProgressKind;
}

/** The milestone a delivery status means for its order, or null (not started, or FAILED). */
const MILESTONE: Readonly<Record<DeliveryStatus, ProgressKind | null>> = {
  PENDING: null,
  ASSIGNED: null,
  PICKED_UP: "PICKED_UP",
  IN_TRANSIT: "PICKED_UP",
  DELIVERED: "DELIVERED",
  FAILED: null,
};

/**
 * The event a move tells orders of, or null: only a move to another milestone (PICKED_UP then
 * IN_TRANSIT is one event, not two). Pure, tested as a table.
 */
export function progressEventFor(from: DeliveryStatus | undefined, to: DeliveryStatus): ProgressKind | null {
  const next = MILESTONE[to];
  return next !== null && next !== (from === undefined ? null : MILESTONE[from]) ? next : null;
}

/** Writes one row; the caller runs it inside the status change's transaction. */
export function createProgressOutboxWriter(db: Db) {
  const insert = db.prepare<{ eventId: string; orderId: string; deliveryId: string; kind: ProgressKind; at: number }>(
    "INSERT INTO outbox (event_id, order_id, delivery_id, kind, created_at, next_attempt_at) VALUES (@eventId, @orderId, @deliveryId, @kind, @at, @at)",
  );
  return (event: { orderId: string; deliveryId: string; kind: ProgressKind; at: number }): void => {
    insert.run({ ...event, eventId: `dpr_${randomBytes(12).toString("base64url")}` });
  };
}

/** Delivery's outbox table (schema.ts), for the relay. */
export const deliveryOutbox = (db: Db, run?: <T>(work: () => T) => T) =>
  new OutboxStore<ProgressOutboxRow>(db, {
    table: "outbox",
    columns: "seq, event_id AS eventId, order_id AS orderId, delivery_id AS deliveryId, kind, attempts",
    ...(run ? { run } : {}),
  });

const APPLY = `mutation ApplyDeliveryProgress($event: DeliveryProgressInput!) {
  applyDeliveryProgress(event: $event) { eventId outcome orderStatus reason }
}`;

type Answer = { applyDeliveryProgress?: { eventId: string; outcome: Acknowledgement["outcome"]; orderStatus: string | null; reason: string | null } };

/**
 * Sends one row to orders' internal `applyDeliveryProgress` with delivery's service token, on
 * any live orders instance. Only an answer naming the event acknowledges it; anything else
 * throws, and the relay retries.
 */
export function createProgressEventSender(call: OrdersCaller, tokens: ServiceTokenSource, logger: Logger) {
  const callAsService = createServiceOrdersCaller(call, tokens);
  return async (row: ProgressOutboxRow): Promise<Acknowledgement> => {
    const event = { eventId: row.eventId, orderId: row.orderId, deliveryId: row.deliveryId, kind: row.kind };
    const answer = await callAsService<Answer>({ query: APPLY, variables: { event } }, logger, `relay-${row.eventId}`);
    const receipt = answer.data?.applyDeliveryProgress;
    if (!receipt || receipt.eventId !== row.eventId) {
      throw new Error(`orders did not acknowledge: ${answer.errors?.map((e) => e.message).join("; ") ?? "no receipt"}`);
    }
    return { outcome: receipt.outcome, reason: receipt.reason };
  };
}
