import { isOwnerOrAdmin, requireScope } from "../shared/authz.ts";
import { appError, notFound } from "../shared/errors.ts";
import type { Principal } from "../shared/identity.ts";
import type { Resolvers } from "../shared/schema.ts";
import type { PaymentsContext } from "./context.ts";
import { resolveIdempotencyKey } from "./idempotency.ts";
import type { PayOrderRequest } from "./pay-order.ts";
import type { ProviderClient } from "./provider-client.ts";
import type { PaymentRecord, PaymentRepository } from "./repository.ts";
import type { PaymentMethod } from "./seed.ts";

/** A payment is its payer's and admins' business; anyone else gets null, not an error. */
const visible = (principal: Principal, payment: PaymentRecord | null | undefined): PaymentRecord | null =>
  payment && principal.kind === "user" && principal.scopes.has("payments:read") && isOwnerOrAdmin(principal, payment.userId)
    ? payment
    : null;

/** The payment that describes an order now: the successful one if any, else the latest attempt. */
const currentPayment = (attempts: readonly PaymentRecord[]): PaymentRecord | undefined =>
  attempts.find((p) => p.status === "SUCCEEDED" || p.status === "REFUNDED") ?? attempts.at(-1);

export function paymentsResolvers(deps: {
  payOrder: (request: PayOrderRequest) => Promise<PaymentRecord>;
  payments: PaymentRepository;
  now: () => number;
  /** Called after a commit that wrote an outbox row: the relay sends it at once. */
  committed: () => void;
  /** The payment provider, refunded before the payment is marked REFUNDED; undefined without one. */
  provider: ProviderClient | undefined;
}): Resolvers<PaymentsContext> {
  const { payOrder, payments, now, committed, provider } = deps;
  return {
    Mutation: {
      payOrder: async (
        _root,
        args: { orderId: string; idempotencyKey: string; method: PaymentMethod },
        { principal, headers, authorization, requestId, logger }: PaymentsContext,
      ) => {
        const caller = requireScope(principal, "payments:write");
        const idempotencyKey = resolveIdempotencyKey(args.idempotencyKey, headers["idempotency-key"]);
        const payment = await payOrder({ caller, orderId: args.orderId, idempotencyKey, method: args.method, authorization, requestId, logger });
        committed();
        return payment;
      },
      refundPayment: async (_root, { paymentId }: { paymentId: string }, { principal, logger, loaders }: PaymentsContext) => {
        // Refunds are a back-office act: admins only (the admin scope comes with the role).
        requireScope(principal, "admin");
        // The money goes back at the provider first, under a key per payment, so a repeated refundPayment refunds once.
        const before = await loaders.paymentById.load(paymentId);
        if (provider && before?.chargeId && before.status === "SUCCEEDED") {
          await provider.refund({ chargeId: before.chargeId, idempotencyKey: `refund-${paymentId}` }, logger);
        }
        const outcome = payments.refund(paymentId, now());
        switch (outcome.kind) {
          case "refunded":
            logger.info({ paymentId, orderId: outcome.payment.orderId }, "payment refunded");
            committed();
            return outcome.payment;
          case "not_found":
            throw notFound("Payment");
          case "not_refundable":
            throw appError("PAYMENT_NOT_REFUNDABLE", `A ${outcome.payment.status} payment cannot be refunded`, { status: outcome.payment.status });
          default:
            return outcome satisfies never;
        }
      },
    },
    Order: {
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      payment: async ({ id }: { id: string }, _args: unknown, { principal, loaders }: PaymentsContext) =>
        visible(principal, currentPayment(await loaders.paymentsByOrderId.load(id))),
    },
    Payment: {
      __resolveReference: async ({ id }: { id: string }, { principal, loaders }: PaymentsContext) =>
        visible(principal, await loaders.paymentById.load(id)),
      createdAt: (payment: PaymentRecord) => new Date(payment.createdAt).toISOString(),
      // A reference the gateway resolves at the provider (the payment-provider connectors).
      charge: (payment: PaymentRecord) => (payment.chargeId ? { __typename: "ProviderCharge", id: payment.chargeId } : null),
    },
  };
}
