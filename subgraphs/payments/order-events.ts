import type { Logger } from "pino";
import { createServiceOrdersCaller, type OrdersCaller } from "../shared/orders-client.ts";
import type { ServiceTokenSource } from "../shared/service-token.ts";
import type { Acknowledgement } from "../shared/outbox-relay.ts";
import type { PaymentOutboxRow } from "./outbox.ts";

const APPLY = `mutation ApplyPaymentEvent($event: PaymentEventInput!) {
  applyPaymentEvent(event: $event) { eventId outcome orderStatus reason }
}`;

type Answer = { applyPaymentEvent?: { eventId: string; outcome: Acknowledgement["outcome"]; orderStatus: string | null; reason: string | null } };

/**
 * Sends one outbox row to orders' internal `applyPaymentEvent` with payments' service token, on
 * any live orders instance. Only an answer naming the event counts as an acknowledgement;
 * anything else (no instance up, a GraphQL error, no token) throws, and the relay retries.
 */
export function createOrderEventSender(call: OrdersCaller, tokens: ServiceTokenSource, logger: Logger) {
  const callAsService = createServiceOrdersCaller(call, tokens);
  return async (row: PaymentOutboxRow): Promise<Acknowledgement> => {
    const event = { eventId: row.eventId, orderId: row.orderId, kind: row.kind, paymentId: row.paymentId, amountCents: row.amountCents };
    const answer = await callAsService<Answer>({ query: APPLY, variables: { event } }, logger, `relay-${row.eventId}`);
    const receipt = answer.data?.applyPaymentEvent;
    if (!receipt || receipt.eventId !== row.eventId) {
      throw new Error(`orders did not acknowledge: ${answer.errors?.map((e) => e.message).join("; ") ?? "no receipt"}`);
    }
    return { outcome: receipt.outcome, reason: receipt.reason };
  };
}
