import { seedDeliveries } from "../../subgraphs/delivery/seed.ts";
import { createRandom } from "../../subgraphs/shared/prng.ts";
import { routeMeters, type Point } from "./geo.ts";

/** The depot every seeded route starts from (central Berlin). */
export const DEPOT: Point = Object.freeze({ latitude: 52.52, longitude: 13.405 });

/** A delivery as the routing service knows it: who drives it, along which route, how far they got. */
export interface RouteRecord {
  deliveryId: string;
  /** Null until a courier is assigned (PENDING) or when the delivery failed. */
  courierId: string | null;
  /** The delivery subgraph's status name for this delivery. */
  status: string;
  /** Epoch ms of the expected arrival, or null when none is expected. */
  etaEpochMs: number | null;
  /** From the depot to the customer, at least two points. */
  waypoints: readonly Point[];
  /** Index of the waypoint the courier is at now. */
  position: number;
}

/** Where on its route a courier is for each status: the share of the waypoints already passed. */
const PROGRESS: Readonly<Record<string, number>> = {
  PENDING: 0,
  ASSIGNED: 0,
  PICKED_UP: 1 / 3,
  IN_TRANSIT: 2 / 3,
  DELIVERED: 1,
  FAILED: 0,
};

/**
 * One route per seeded delivery d<n> (subgraphs/delivery/seed.ts), so the two services agree:
 * the same courier, status and ETA. The route's shape is a pure function of a fixed seed.
 */
export function seedRoutes(): RouteRecord[] {
  const random = createRandom(515151);
  return seedDeliveries().map((delivery) => {
    // A destination up to about 5 km from the depot, reached in 6 to 10 legs that wander a little.
    const destination = {
      latitude: DEPOT.latitude + (random.next() - 0.5) * 0.09,
      longitude: DEPOT.longitude + (random.next() - 0.5) * 0.14,
    };
    const legs = random.int(6, 10);
    const waypoints: Point[] = [];
    for (let i = 0; i <= legs; i++) {
      const share = i / legs;
      const jitter = i === 0 || i === legs ? 0 : 0.002;
      waypoints.push({
        latitude: round6(DEPOT.latitude + (destination.latitude - DEPOT.latitude) * share + (random.next() - 0.5) * jitter),
        longitude: round6(DEPOT.longitude + (destination.longitude - DEPOT.longitude) * share + (random.next() - 0.5) * jitter),
      });
    }
    return {
      deliveryId: delivery.id,
      courierId: delivery.courierId,
      status: delivery.status,
      etaEpochMs: delivery.eta,
      waypoints,
      position: Math.round((PROGRESS[delivery.status] ?? 0) * legs),
    };
  });
}

/** Metres still to drive from the courier's position on a route. */
export const remainingMeters = (route: RouteRecord, from = route.position): number => routeMeters(route.waypoints.slice(from));

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
