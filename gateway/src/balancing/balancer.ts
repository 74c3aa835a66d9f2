/**
 * The contract every balancing algorithm implements: choose one of a fixed list of targets,
 * skipping those the caller says are not eligible (ejected, unhealthy, or already tried).
 * Algorithms are pure apart from their own rotation state and an injected random source.
 */
import type { BalancerAlgorithm } from "../config/balancing.ts";

export type { BalancerAlgorithm };

/** What an algorithm may read about an instance. */
export interface BalancerTarget {
  readonly url: string;
  /** Relative share of traffic, a positive integer. */
  readonly weight: number;
  /** Requests sent and not yet answered. */
  readonly inFlight: number;
}

export interface Balancer<T extends BalancerTarget> {
  readonly algorithm: BalancerAlgorithm;
  /**
   * Chooses an eligible target, or undefined when none is. `key` is the request's hash key
   * (used by consistent-hash only; undefined for requests without a client, such as probes).
   */
  pick(eligible: (target: T) => boolean, key?: string): T | undefined;
}
