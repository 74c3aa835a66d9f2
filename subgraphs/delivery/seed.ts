import { createRandom } from "../shared/prng.ts";
import { SEED_COURIER_ID, seedOrders, type SeedOrderStatus } from "../shared/seed-catalog.ts";
import { etaFor, type DeliveryStatus } from "./policy.ts";
import type { DeliveryEventRecord, DeliveryRecord } from "./repository.ts";

/** A stored delivery (repository.ts) as the seed writes it, with its insertion order, creation time and history. */
export interface DeliverySeedRow extends DeliveryRecord {
  seq: number;
  createdAt: number;
  events: Omit<DeliveryEventRecord, "deliveryId">[];
}

/** The statuses a delivery passes through to reach its final one, in order. */
const PATHS: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  PENDING: ["PENDING"],
  ASSIGNED: ["PENDING", "ASSIGNED"],
  PICKED_UP: ["PENDING", "ASSIGNED", "PICKED_UP"],
  IN_TRANSIT: ["PENDING", "ASSIGNED", "PICKED_UP", "IN_TRANSIT"],
  DELIVERED: ["PENDING", "ASSIGNED", "PICKED_UP", "IN_TRANSIT", "DELIVERED"],
  FAILED: ["PENDING", "FAILED"],
};

/** How far a delivery has got, given where its order is. */
const FINAL_STATUS: Readonly<Record<SeedOrderStatus, readonly (readonly [DeliveryStatus, number])[]>> = {
  PENDING: [["PENDING", 1]],
  PAID: [["PENDING", 1], ["ASSIGNED", 1]],
  SHIPPED: [["PICKED_UP", 2], ["IN_TRANSIT", 3]],
  DELIVERED: [["DELIVERED", 1]],
  CANCELLED: [["FAILED", 1]],
};

const NOTES: Readonly<Partial<Record<DeliveryStatus, string>>> = {
  PENDING: "Order received",
  DELIVERED: "Left with customer",
  FAILED: "Order cancelled",
};

/** d<n> for every seeded order o<n>; a pure function of the catalog and a fixed seed. */
export function seedDeliveries(): DeliverySeedRow[] {
  const random = createRandom(424242);
  return seedOrders().map((order) => {
    const status = random.weighted(FINAL_STATUS[order.status]);
    let at = order.createdAt;
    const events = (PATHS[status] ?? []).map((step, index) => {
      if (index > 0) at += random.int(10, 180) * 60_000;
      return { status: step, at, note: NOTES[step] ?? null };
    });
    const assigned = status !== "PENDING" && status !== "FAILED";
    return {
      seq: order.n,
      id: `d${order.n}`,
      orderId: order.id,
      customerId: order.userId,
      courierId: assigned ? SEED_COURIER_ID : null,
      status,
      eta: etaFor(status, at),
      createdAt: order.createdAt,
      updatedAt: at,
      events,
    };
  });
}
