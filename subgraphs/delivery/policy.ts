/**
 * Pure rules for delivery status changes: who may change a delivery, which moves are allowed,
 * and the ETA each status implies. No I/O, so they are tested as tables.
 */

export const DELIVERY_STATUSES = ["PENDING", "ASSIGNED", "PICKED_UP", "IN_TRANSIT", "DELIVERED", "FAILED"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Minutes until arrival once a delivery reaches a status; null where no arrival is expected. */
const ETA_MINUTES: Readonly<Record<DeliveryStatus, number | null>> = {
  PENDING: 180,
  ASSIGNED: 90,
  PICKED_UP: 45,
  IN_TRANSIT: 20,
  DELIVERED: null,
  FAILED: null,
};

/** Epoch ms of the expected arrival, or null (delivered or failed). */
export function etaFor(status: DeliveryStatus, at: number): number | null {
  const minutes = ETA_MINUTES[status];
  return minutes === null ? null : at + minutes * 60_000;
}

export interface Actor {
  userId: string;
  isAdmin: boolean;
}

export type StatusDecision =
  | { kind: "allow"; courierId: string | null }
  | { kind: "forbidden"; reason: string }
  | { kind: "invalid_transition"; from: DeliveryStatus; to: DeliveryStatus };

/**
 * A courier may work a delivery that is unassigned (it becomes theirs) or already theirs; an
 * admin may change any and leaves the assignment alone. DELIVERED is final: goods handed over
 * cannot be un-delivered. Every other move is allowed, since real rounds skip and repeat steps.
 */
export function decideStatusUpdate(
  current: { status: DeliveryStatus; courierId: string | null } | undefined,
  actor: Actor,
  next: DeliveryStatus,
): StatusDecision {
  const courierId = current?.courierId ?? null;
  if (current?.status === "DELIVERED") return { kind: "invalid_transition", from: "DELIVERED", to: next };
  if (actor.isAdmin) return { kind: "allow", courierId };
  if (courierId !== null && courierId !== actor.userId) {
    return { kind: "forbidden", reason: "This delivery is assigned to another courier" };
  }
  return { kind: "allow", courierId: actor.userId };
}

/** Order statuses that mean the goods are paid for: a delivery may start. */
export const PAID_ORDER_STATUSES: ReadonlySet<string> = new Set(["PAID", "SHIPPED", "DELIVERED"]);

/**
 * Whether a move needs the order to be paid: a delivery that has not started (none yet, or
 * PENDING) may become FAILED or stay PENDING without payment, nothing else. Once started it was
 * paid when it left PENDING.
 */
export function needsPaidOrder(current: DeliveryStatus | undefined, next: DeliveryStatus): boolean {
  return (current === undefined || current === "PENDING") && next !== "PENDING" && next !== "FAILED";
}
