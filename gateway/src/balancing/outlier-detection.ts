/**
 * Passive health (Envoy's outlier detection): an instance whose fetches fail N times in a row
 * (connection refused, reset, timeout, or a 5xx that is not a GraphQL answer) is ejected. The
 * ejection lasts base × level (linear, Envoy's rule) or base × 2^(level-1), capped; the level
 * rises by one per ejection and falls by one for each base period the instance then stays in
 * rotation, so a flapping instance stays out longer and a long-healthy one starts over. At most
 * `maxEjectedPercent` of the instances are ejected at once (at least one may always be).
 */
import { SubgraphFetchError } from "../subgraph/types.ts";
import type { InstanceHealth, StateChange } from "./instance.ts";

export interface OutlierDetectionSettings {
  enabled: boolean;
  consecutiveFailures: number;
  baseEjectionMs: number;
  growth: "linear" | "exponential";
  maxEjectionMs: number;
  maxEjectedPercent: number;
}

/** Failures that say something about the instance, not the request or the client. */
export function countsAsFailure(error: unknown): boolean {
  if (!(error instanceof SubgraphFetchError)) return false;
  switch (error.kind) {
    case "connect":
    case "reset":
    case "timeout":
    case "status":
      return true;
    case "invalid-body":
      // An HTML 502 from a proxy in front of a dead instance; a 200 with junk is the subgraph's bug.
      return error.status !== undefined && error.status >= 500;
    case "aborted":
    case "no-instance":
      return false;
  }
}

export class OutlierDetector {
  constructor(
    private readonly settings: OutlierDetectionSettings,
    private readonly now: () => number,
  ) {}

  /** A fetch succeeded: the failure streak ends, and an instance with no record becomes healthy. */
  onSuccess(health: InstanceHealth): StateChange | undefined {
    health.consecutiveFailures = 0;
    health.answeredSinceCheck = true;
    if (health.state !== "unknown") return undefined;
    health.state = "healthy";
    return { from: "unknown", to: "healthy", reason: "answered a request" };
  }

  /**
   * A fetch failed. Ejects the instance when the streak reaches the threshold and the share of
   * ejected instances (`ejectedNow` of `total`) allows one more.
   */
  onFailure(health: InstanceHealth, ejectedNow: number, total: number): StateChange | undefined {
    health.consecutiveFailures++;
    if (!this.settings.enabled || (health.state !== "unknown" && health.state !== "healthy")) return undefined;
    if (health.consecutiveFailures < this.settings.consecutiveFailures) return undefined;
    if (ejectedNow >= this.maxEjected(total)) return undefined;
    const now = this.now();
    const decay = health.returnedAt === 0 ? 0 : Math.floor((now - health.returnedAt) / this.settings.baseEjectionMs);
    health.ejectionLevel = Math.max(0, health.ejectionLevel - decay) + 1;
    const ejectionMs = this.ejectionMs(health.ejectionLevel);
    const from = health.state;
    health.state = "ejected";
    health.ejections++;
    health.ejectedUntil = now + ejectionMs;
    return { from, to: "ejected", reason: `${health.consecutiveFailures} consecutive failures`, ejectionMs };
  }

  /** Whether the ejection has run its time (the instance may return once it passes a check). */
  ejectionOver(health: InstanceHealth): boolean {
    return health.state === "ejected" && this.now() >= health.ejectedUntil;
  }

  /** Puts an ejected instance whose time is over back into rotation. */
  readmit(health: InstanceHealth, reason: string): StateChange | undefined {
    if (!this.ejectionOver(health)) return undefined;
    health.state = "healthy";
    health.consecutiveFailures = 0;
    health.returnedAt = this.now();
    return { from: "ejected", to: "healthy", reason };
  }

  /** Length of an ejection at a given level (1 for the first). */
  ejectionMs(level: number): number {
    const { baseEjectionMs: base, maxEjectionMs: max } = this.settings;
    const factor = this.settings.growth === "linear" ? level : 2 ** Math.min(level - 1, 30);
    return Math.min(max, base * factor);
  }

  /** How many of `total` instances may be ejected at once: the configured share, but at least one. */
  maxEjected(total: number): number {
    if (this.settings.maxEjectedPercent === 0) return 0;
    return Math.max(1, Math.floor((total * this.settings.maxEjectedPercent) / 100));
  }
}
