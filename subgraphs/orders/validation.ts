import { z } from "zod";
import { badInput } from "../shared/errors.ts";

/** GraphQL Int is 32-bit; a total above this could not be returned in `totalCents`. */
const MAX_TOTAL_CENTS = 2 ** 31 - 1;

const itemSchema = z.object({
  sku: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  quantity: z.number().int().min(1).max(1000),
  // One million in currency units per item is far beyond this shop; it catches typos in cents.
  unitPriceCents: z.number().int().min(0).max(100_000_000),
});

const placeOrderSchema = z
  .object({ items: z.array(itemSchema).min(1).max(50) })
  .refine((input) => input.items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0) <= MAX_TOTAL_CENTS, {
    message: "order total too large",
    path: ["items"],
  });

export type PlaceOrderInput = z.infer<typeof placeOrderSchema>;

/** Validates placeOrder's input; the error names each bad field's path. */
export function parsePlaceOrderInput(input: unknown): PlaceOrderInput {
  const result = placeOrderSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: ["input", ...issue.path].join("."), message: issue.message }));
  throw badInput(`Invalid order: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { issues });
}
