import type DataLoader from "dataloader";
import type { RequestContext } from "../shared/context.ts";
import { groupedLoader, keyedLoader } from "../shared/loaders.ts";
import type { PaymentRecord, PaymentRepository } from "./repository.ts";

export interface PaymentsLoaders {
  paymentById: DataLoader<string, PaymentRecord | null>;
  /** All payments of each order, oldest first: Order.payment for many orders in one query. */
  paymentsByOrderId: DataLoader<string, PaymentRecord[]>;
}

export interface PaymentsContext extends RequestContext {
  loaders: PaymentsLoaders;
}

export function createPaymentsLoaders(payments: PaymentRepository): PaymentsLoaders {
  return {
    paymentById: keyedLoader((ids) => payments.byIds(ids), (p) => p.id),
    paymentsByOrderId: groupedLoader((ids) => payments.byOrderIds(ids), (p) => p.orderId),
  };
}
