/**
 * One instance of a subgraph as the balancer sees it: its weight, the requests in flight, and
 * its health record. The record is written only by outlier detection (passive) and active
 * health checks; every change of `state` goes through them so it can be logged.
 */
import type { SubgraphRequest, SubgraphResponse } from "../subgraph/types.ts";
import type { BalancerTarget } from "./balancer.ts";

/**
 * `unknown`: no evidence yet (gets traffic, so a fresh gateway serves at once);
 * `healthy`: passed a check or answered a request; `unhealthy`: failed active checks;
 * `ejected`: removed by outlier detection until its ejection ends and it passes a check.
 */
export type InstanceState = "unknown" | "healthy" | "unhealthy" | "ejected";

export interface InstanceHealth {
  state: InstanceState;
  /** Failed fetches in a row (reset by any success). */
  consecutiveFailures: number;
  /** Failed active checks in a row (reset by a passed check). */
  consecutiveCheckFailures: number;
  /** A request succeeded since the last check result: live traffic outranks a failed probe. */
  answeredSinceCheck: boolean;
  /** Ejections since start. */
  ejections: number;
  /** The growth multiplier of the next ejection; decays while the instance stays in rotation. */
  ejectionLevel: number;
  /** While ejected: when the ejection ends (epoch ms). */
  ejectedUntil: number;
  /** When the instance last came back from an ejection (epoch ms), for the level's decay. */
  returnedAt: number;
}

export function newInstanceHealth(): InstanceHealth {
  return { state: "unknown", consecutiveFailures: 0, consecutiveCheckFailures: 0, answeredSinceCheck: false, ejections: 0, ejectionLevel: 0, ejectedUntil: 0, returnedAt: 0 };
}

/** Whether the instance may be picked for traffic. */
export function inRotation(health: InstanceHealth): boolean {
  return health.state === "unknown" || health.state === "healthy";
}

/** A change of state, for the log. */
export interface StateChange {
  readonly from: InstanceState;
  readonly to: InstanceState;
  readonly reason: string;
  /** For ejections: how long this one lasts. */
  readonly ejectionMs?: number;
}

/** The per-instance transport (an undici pool); injectable for tests. */
export interface InstanceSender {
  send(request: SubgraphRequest): Promise<SubgraphResponse>;
  close(): Promise<void>;
}

export class UpstreamInstance implements BalancerTarget {
  inFlight = 0;
  readonly health: InstanceHealth = newInstanceHealth();

  constructor(
    readonly url: string,
    readonly weight: number,
    readonly sender: InstanceSender,
  ) {}
}
