import { z } from "zod";
import { badInput } from "../shared/errors.ts";
import { catalogProduct } from "../shared/seed-catalog.ts";
import type { OrderItemRecord } from "./repository.ts";

/** GraphQL Int is 32-bit; a total above this could not be returned in `totalCents`. */
const MAX_TOTAL_CENTS = 2 ** 31 - 1;

const itemSchema = z.object({
  sku: z.string().trim().min(1).max(64),
  quantity: z.number().int().min(1).max(1000),
  // Deprecated in the SDL and never trusted: the name and price come from the catalog. A client
  // that still sends a price states what it expects to pay; one that differs is refused below.
  name: z.string().nullish(),
  unitPriceCents: z.number().int().nullish(),
});

const placeOrderSchema = z.object({ items: z.array(itemSchema).min(1).max(50) });

export type PricedItem = Omit<OrderItemRecord, "orderId">;

/** One refused line: where it is in the input and why. */
interface Issue {
  path: string;
  message: string;
  sku?: string;
  catalogUnitPriceCents?: number;
}

const refuse = (issues: readonly Issue[]) =>
  badInput(`Invalid order: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { issues });

/**
 * Validates placeOrder's input and prices every line from the shared catalog: an unknown SKU is
 * refused, and so is a client-sent `unitPriceCents` that is not the catalog's (the client would
 * otherwise believe it pays something else). The error names each bad field's path.
 */
export function priceOrderInput(input: unknown): { items: PricedItem[] } {
  const result = placeOrderSchema.safeParse(input);
  if (!result.success) {
    throw refuse(result.error.issues.map((issue) => ({ path: ["input", ...issue.path].join("."), message: issue.message })));
  }
  const issues: Issue[] = [];
  const items: PricedItem[] = [];
  result.data.items.forEach((line, index) => {
    const product = catalogProduct(line.sku);
    const path = `input.items.${index}`;
    if (!product) {
      issues.push({ path: `${path}.sku`, message: `unknown SKU ${line.sku}`, sku: line.sku });
      return;
    }
    if (line.unitPriceCents != null && line.unitPriceCents !== product.unitPriceCents) {
      issues.push({
        path: `${path}.unitPriceCents`,
        message: `the price of ${line.sku} is ${product.unitPriceCents}, not ${line.unitPriceCents}; omit unitPriceCents, the catalog sets it`,
        sku: line.sku,
        catalogUnitPriceCents: product.unitPriceCents,
      });
      return;
    }
    items.push({ sku: product.sku, name: product.name, quantity: line.quantity, unitPriceCents: product.unitPriceCents });
  });
  if (issues.length > 0) throw refuse(issues);
  if (items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0) > MAX_TOTAL_CENTS) {
    throw refuse([{ path: "input.items", message: "order total too large" }]);
  }
  return { items };
}
