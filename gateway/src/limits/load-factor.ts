/**
 * The dynamic load factor: a number in [minFactor, 1] that every limit is multiplied by, so
 * limits shrink while the gateway is overloaded and recover as load falls. Each interval the
 * monitor samples its signals (event-loop delay p99, requests in flight, mean subgraph fetch
 * latency); past any threshold the factor is multiplied by `decrease`, otherwise it grows by
 * `recoverStep` (multiplicative decrease, additive increase, so it backs off fast and returns
 * gently). `nextFactor` is the pure rule; `LoadMonitor` does the sampling.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export interface LoadSignals {
  /** p99 event-loop delay over the last interval, ms. */
  readonly eventLoopDelayMs: number;
  readonly inFlight: number;
  /** Mean subgraph fetch latency over the last interval, ms; undefined when there was none. */
  readonly upstreamLatencyMs: number | undefined;
}

export interface LoadThresholds {
  readonly eventLoopDelayMs: number;
  readonly maxInFlight?: number | undefined;
  readonly upstreamLatencyMs?: number | undefined;
  readonly minFactor: number;
  readonly decrease: number;
  readonly recoverStep: number;
}

/** Which signals are past their thresholds (empty when healthy). */
export function overloadReasons(signals: LoadSignals, t: LoadThresholds): string[] {
  const reasons: string[] = [];
  if (signals.eventLoopDelayMs > t.eventLoopDelayMs) reasons.push("event-loop-delay");
  if (t.maxInFlight !== undefined && signals.inFlight > t.maxInFlight) reasons.push("in-flight");
  if (t.upstreamLatencyMs !== undefined && signals.upstreamLatencyMs !== undefined && signals.upstreamLatencyMs > t.upstreamLatencyMs) reasons.push("upstream-latency");
  return reasons;
}

/** The factor after one interval. */
export function nextFactor(current: number, overloaded: boolean, t: LoadThresholds): number {
  const next = overloaded ? current * t.decrease : current + t.recoverStep;
  return Math.round(Math.min(1, Math.max(t.minFactor, next)) * 1000) / 1000;
}

/** What the limiter reads: the factor to apply now. */
export interface LoadFactor {
  readonly factor: number;
}

export const fullCapacity: LoadFactor = Object.freeze({ factor: 1 });

export interface LoadMonitorOptions {
  thresholds: LoadThresholds;
  intervalMs: number;
  inFlight: () => number;
  /** Called after every sample whose factor differs from the previous one, and once at start. */
  onChange: (factor: number, reasons: readonly string[]) => void;
}

export class LoadMonitor implements LoadFactor {
  private current = 1;
  private histogram: IntervalHistogram | undefined;
  private timer: NodeJS.Timeout | undefined;
  private upstreamTotalMs = 0;
  private upstreamCount = 0;

  constructor(private readonly options: LoadMonitorOptions) {}

  get factor(): number {
    return this.current;
  }

  start(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => this.sample(), this.options.intervalMs);
    this.timer.unref();
    this.options.onChange(this.current, []);
  }

  /** One subgraph fetch's duration, for the upstream-latency signal. */
  recordUpstreamLatency(ms: number): void {
    this.upstreamTotalMs += ms;
    this.upstreamCount++;
  }

  /** Takes one sample now (the timer calls this each interval). */
  sample(): number {
    const h = this.histogram;
    const signals: LoadSignals = {
      eventLoopDelayMs: h && h.count > 0 ? h.percentile(99) / 1e6 : 0,
      inFlight: this.options.inFlight(),
      upstreamLatencyMs: this.upstreamCount > 0 ? this.upstreamTotalMs / this.upstreamCount : undefined,
    };
    h?.reset();
    this.upstreamTotalMs = 0;
    this.upstreamCount = 0;
    const reasons = overloadReasons(signals, this.options.thresholds);
    const next = nextFactor(this.current, reasons.length > 0, this.options.thresholds);
    if (next !== this.current) {
      this.current = next;
      this.options.onChange(next, reasons);
    }
    return next;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
  }
}
