/**
 * Active health checks: every `intervalMs` each instance gets the configured query with its own
 * deadline; an ejected instance is also checked the moment its ejection ends. A pass brings an
 * unknown or unhealthy instance into rotation, and an ejected one whose time is over; failures
 * in a row take a healthy one out. Timers are unref'd so they never keep the process alive.
 */
import type { InstanceHealth, StateChange } from "./instance.ts";

/**
 * Marks the gateway's own requests to a subgraph (health checks, readiness probes), so the
 * subgraph can keep them out of its info-level access log: every instance gets one every few
 * seconds. The value says which kind.
 */
export const PROBE_HEADER = "x-gateway-probe";

export interface HealthCheckSettings {
  enabled: boolean;
  intervalMs: number;
  timeoutMs: number;
  query: string;
  unhealthyThreshold: number;
}

/**
 * Applies one check result. An ejected instance leaves ejection only through `readmit` (its time
 * must be over). An instance with no record yet joins on its first pass but needs the same run
 * of failures as a healthy one to leave: one failed check (a slow start, a busy event loop) must
 * not empty a subgraph while passive detection and retries already cover a dead instance. For
 * the same reason a failed check does not count against an instance that answered real traffic
 * since the previous check: under heavy load a probe's short deadline is the first thing to go.
 */
export function applyCheckResult(
  health: InstanceHealth,
  passed: boolean,
  unhealthyThreshold: number,
  readmit: (health: InstanceHealth, reason: string) => StateChange | undefined,
): StateChange | undefined {
  if (passed) {
    health.consecutiveCheckFailures = 0;
    health.answeredSinceCheck = false;
    switch (health.state) {
      case "unknown":
      case "unhealthy": {
        const from = health.state;
        health.state = "healthy";
        health.consecutiveFailures = 0;
        return { from, to: "healthy", reason: "passed a health check" };
      }
      case "ejected":
        return readmit(health, "ejection over and passed a health check");
      case "healthy":
        return undefined;
    }
  }
  const answered = health.answeredSinceCheck;
  health.answeredSinceCheck = false;
  if (answered && health.state !== "ejected") return undefined;
  health.consecutiveCheckFailures++;
  if ((health.state === "unknown" || health.state === "healthy") && health.consecutiveCheckFailures >= unhealthyThreshold) {
    const from = health.state;
    health.state = "unhealthy";
    return { from, to: "unhealthy", reason: `failed ${health.consecutiveCheckFailures} health check(s)` };
  }
  return undefined;
}

export interface HealthCheckerOptions<T> {
  targets: readonly T[];
  intervalMs: number;
  /** Sends one check; resolves true when it passed. Must settle (it carries its own deadline). */
  check: (target: T) => Promise<boolean>;
  onResult: (target: T, passed: boolean) => void;
}

export class ActiveHealthChecker<T> {
  private interval: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<T>();
  private stopped = false;

  constructor(private readonly options: HealthCheckerOptions<T>) {}

  /** Checks every target as soon as the current work is done, then on the interval. */
  start(): void {
    if (this.stopped || this.interval) return;
    // Not synchronously: the upstream is built while the supergraph loads, and a check started
    // then would spend its deadline waiting for the event loop.
    this.checkLater(undefined, 0);
    this.interval = setInterval(() => this.checkAll(), this.options.intervalMs);
    this.interval.unref();
  }

  /** Checks one target (every target when undefined) after `delayMs`; used when an ejection ends. */
  checkLater(target: T | undefined, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (target === undefined) this.checkAll();
      else void this.checkOne(target);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  stop(): void {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private checkAll(): void {
    for (const target of this.options.targets) void this.checkOne(target);
  }

  private async checkOne(target: T): Promise<void> {
    // A check still running is not doubled up; its result is as fresh as a new one would be.
    if (this.stopped || this.running.has(target)) return;
    this.running.add(target);
    let passed = false;
    try {
      passed = await this.options.check(target);
    } catch {
      passed = false;
    } finally {
      this.running.delete(target);
    }
    if (!this.stopped) this.options.onResult(target, passed);
  }
}
