import { isOwnerOrAdmin, requireScope } from "../shared/authz.ts";
import type { Principal } from "../shared/identity.ts";
import type { Resolvers } from "../shared/schema.ts";
import type { PaymentsContext } from "./context.ts";
import { resolveIdempotencyKey } from "./idempotency.ts";
import type { PayOrderRequest } from "./pay-order.ts";
import type { PaymentRecord } from "./repository.ts";
import type { PaymentMethod } from "./seed.ts";

/** A payment is its payer's and admins' business; anyone else gets null, not an error. */
const visible = (principal: Principal, payment: PaymentRecord | null | undefined): PaymentRecord | null =>
  payment && principal.kind === "user" && principal.scopes.has("payments:read") && isOwnerOrAdmin(principal, payment.userId)
    ? payment
    : null;

/** The payment that describes an order now: the successful one if any, else the latest attempt. */
const currentPayment = (attempts: readonly PaymentRecord[]): PaymentRecord | undefined =>
  attempts.find((p) => p.status === "SUCCEEDED" || p.status === "REFUNDED") ?? attempts.at(-1);

export function paymentsResolvers({ payOrder }: { payOrder: (request: PayOrderRequest) => Promise<PaymentRecord> }): Resolvers<PaymentsContext> {
  return {
    Mutation: {
      payOrder: (
        _root,
        args: { orderId: string; idempotencyKey: string; method: PaymentMethod },
        { principal, headers, authorization, requestId, logger }: PaymentsContext,
      ) => {
        const caller = requireScope(principal, "payments:write");
        const idempotencyKey = resolveIdempotencyKey(args.idempotencyKey, headers["idempotency-key"]);
        return payOrder({ caller, orderId: args.orderId, idempotencyKey, method: args.method, authorization, requestId, logger });
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
    },
  };
}
