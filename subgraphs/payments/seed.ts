import { createRandom } from "../shared/prng.ts";
import { seedOrders } from "../shared/seed-catalog.ts";
import type { PaymentRecord } from "./repository.ts";

export type PaymentStatus = "PENDING" | "SUCCEEDED" | "FAILED" | "REFUNDED";
export type PaymentMethod = "CARD" | "PAYPAL" | "BANK_TRANSFER";

/** A stored payment (repository.ts) as the seed writes it: no idempotency key (its charge id, ch_<id>, comes in a later migration), plus its insertion order. */
export interface PaymentSeedRow extends Omit<PaymentRecord, "idempotencyKey" | "chargeId"> {
  seq: number;
}

const METHODS: readonly (readonly [PaymentMethod, number])[] = [
  ["CARD", 70],
  ["PAYPAL", 20],
  ["BANK_TRANSFER", 10],
];

/**
 * p<n> for most seeded orders: paid ones succeeded, half the cancelled ones were refunded and
 * some pending ones failed; the rest have no payment yet (payOrder works on those).
 */
export function seedPayments(): PaymentSeedRow[] {
  const random = createRandom(777);
  const rows: PaymentSeedRow[] = [];
  for (const order of seedOrders()) {
    const roll = random.next();
    const method = random.weighted(METHODS);
    const delayMinutes = random.int(1, 30);
    const status: PaymentStatus | null =
      order.status === "PAID" || order.status === "SHIPPED" || order.status === "DELIVERED"
        ? "SUCCEEDED"
        : order.status === "CANCELLED"
          ? roll < 0.5 ? "REFUNDED" : null
          : roll < 0.25 ? "FAILED" : null;
    if (status === null) continue;
    rows.push({
      seq: order.n,
      id: `p${order.n}`,
      orderId: order.id,
      userId: order.userId,
      amountCents: order.totalCents,
      method,
      status,
      createdAt: order.createdAt + delayMinutes * 60_000,
    });
  }
  return rows;
}
