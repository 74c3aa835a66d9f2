import type { Logger } from "pino";
import { appError, forbidden } from "../shared/errors.ts";
import type { UserPrincipal } from "../shared/identity.ts";
import type { OrdersClient } from "../shared/orders-client.ts";
import type { ProviderClient } from "./provider-client.ts";
import { paymentIdFor, type PaymentRecord, type PaymentRepository } from "./repository.ts";
import type { PaymentMethod } from "./seed.ts";

export interface PayOrderRequest {
  caller: UserPrincipal;
  orderId: string;
  idempotencyKey: string;
  method: PaymentMethod;
  authorization: string | undefined;
  requestId: string;
  logger: Logger;
}

const keyReused = (payment: PaymentRecord) =>
  appError("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used for another order", { paymentId: payment.id });

/**
 * payOrder: a replayed key returns the original payment without charging; otherwise the amount
 * comes from the orders subgraph (asked as the caller, so it enforces ownership too), the
 * provider is charged (when one is configured) under a key derived from the payment, and the
 * payment is created exactly once per (caller, key). Charging first means a crash between the
 * two leaves a charge that the retried payOrder finds again at the provider (same key), never a
 * second one.
 */
export function createPayOrder({
  payments,
  fetchOrder,
  provider,
  now,
}: {
  payments: PaymentRepository;
  fetchOrder: OrdersClient;
  /** Undefined: payments are recorded without a provider charge (tests of this service alone). */
  provider: ProviderClient | undefined;
  now: () => number;
}) {
  const replay = (request: PayOrderRequest, payment: PaymentRecord): PaymentRecord => {
    if (payment.orderId !== request.orderId) throw keyReused(payment);
    return payment;
  };

  return async (request: PayOrderRequest): Promise<PaymentRecord> => {
    const { caller, orderId, idempotencyKey } = request;
    // Fast path: a retry needs neither the orders service nor the write lock.
    const previous = payments.byKey(caller.userId, idempotencyKey);
    if (previous) return replay(request, previous);

    const order = await fetchOrder(orderId, request);
    if (!order) throw appError("NOT_FOUND", "Order not found");
    if (order.userId !== caller.userId) throw forbidden("Only the order's customer can pay for it");
    if (order.status === "CANCELLED") throw appError("ORDER_NOT_PAYABLE", "A cancelled order cannot be paid");
    if (order.status === "REFUNDED") throw appError("ORDER_NOT_PAYABLE", "A refunded order cannot be paid again");

    // Checked before charging, so a second key for a paid order charges nothing; the write below re-checks under the lock.
    const paid = payments.byOrderIds([orderId]).find((p) => p.status === "SUCCEEDED");
    const paymentId = paymentIdFor(caller.userId, idempotencyKey);
    // The same key committed meanwhile (a concurrent retry): that is the answer, not a conflict.
    if (paid?.id === paymentId) return replay(request, paid);
    if (paid) throw appError("ORDER_ALREADY_PAID", "This order is already paid", { paymentId: paid.id });
    const chargeId = provider
      ? await provider.charge({ amountCents: order.totalCents, paymentId, orderId, idempotencyKey: `payment-${paymentId}` }, request.logger)
      : null;
    const outcome = payments.createOnce({
      orderId,
      userId: caller.userId,
      amountCents: order.totalCents,
      method: request.method,
      idempotencyKey,
      chargeId,
      createdAt: now(),
    });
    switch (outcome.kind) {
      case "created":
        request.logger.info({ paymentId: outcome.payment.id, orderId, amountCents: outcome.payment.amountCents }, "order paid");
        return outcome.payment;
      case "replayed":
        return replay(request, outcome.payment);
      case "already_paid":
        // Lost a race with another key for the same order: the charge just made is given back.
        if (provider && chargeId) await provider.refund({ chargeId, idempotencyKey: `void-${paymentId}` }, request.logger);
        throw appError("ORDER_ALREADY_PAID", "This order is already paid", { paymentId: outcome.payment.id });
      default:
        return outcome satisfies never;
    }
  };
}
