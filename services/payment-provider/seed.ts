import { seedPayments } from "../../subgraphs/payments/seed.ts";

/** A charge's state at the provider, in the lower-case words card processors use. */
export type ChargeStatus = "succeeded" | "failed" | "refunded";

export interface ChargeSeedRow {
  seq: number;
  id: string;
  amount: number;
  status: ChargeStatus;
  amountRefunded: number;
  paymentId: string;
  orderId: string;
  created: number;
}

/** The charge id the payments subgraph stores for its seeded payment p<n>. */
export const seededChargeId = (paymentId: string): string => `ch_${paymentId}`;

/**
 * One charge per seeded payment (subgraphs/payments/seed.ts), so the two services agree: the
 * same amount, succeeded for a SUCCEEDED payment, failed for a FAILED one, refunded in full for
 * a REFUNDED one (with its refund row, re_<payment id>).
 */
export function seedCharges(): ChargeSeedRow[] {
  return seedPayments().map((p) => ({
    seq: p.seq,
    id: seededChargeId(p.id),
    amount: p.amountCents,
    status: p.status === "FAILED" ? "failed" : p.status === "REFUNDED" ? "refunded" : "succeeded",
    amountRefunded: p.status === "REFUNDED" ? p.amountCents : 0,
    paymentId: p.id,
    orderId: p.orderId,
    created: p.createdAt,
  }));
}
