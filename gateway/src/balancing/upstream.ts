/**
 * A subgraph's balanced upstream: its instances, the configured algorithm, active and passive
 * health, and one budgeted retry on another instance. This is the `balancer pick/report` and
 * `retry` step of the subgraph pipeline; they live together because a retry must pick a
 * different instance than the one that failed.
 */
import type { Logger } from "../logging/logger.ts";
import { noUpstreamMetrics, type UpstreamMetrics } from "../telemetry/metrics.ts";
import type { ResolvedSubgraph } from "../subgraph/registry.ts";
import { SubgraphFetchError, type SubgraphRequest, type SubgraphResponse } from "../subgraph/types.ts";
import type { Balancer } from "./balancer.ts";
import { createBalancer } from "./create-balancer.ts";
import { hashKeyOf } from "./hash-key.ts";
import { ActiveHealthChecker, applyCheckResult, PROBE_HEADER } from "./health-check.ts";
import { inRotation, UpstreamInstance, type InstanceSender, type InstanceState, type StateChange } from "./instance.ts";
import { countsAsFailure, OutlierDetector } from "./outlier-detection.ts";
import { systemRandom, type RandomSource } from "./random.ts";
import { RetryBudget } from "./retry-budget.ts";
import { isRetryable } from "./retry-policy.ts";

export interface BalancedUpstreamOptions {
  subgraph: ResolvedSubgraph;
  logger: Logger;
  /** Creates the transport of one instance (an undici pool in production). */
  createSender: (url: string) => InstanceSender;
  /** Where state changes and in-flight counts are reported (Prometheus gauges); default none. */
  metrics?: UpstreamMetrics;
  now?: () => number;
  random?: RandomSource;
}

/** One instance as `GET /admin/upstreams` shows it. */
export interface InstanceSnapshot {
  url: string;
  weight: number;
  state: InstanceState;
  inFlight: number;
  consecutiveFailures: number;
  ejections: number;
  /** ISO time the current ejection ends; null unless ejected. */
  ejectedUntil: string | null;
}

export interface UpstreamSnapshot {
  subgraph: string;
  algorithm: string;
  retryBudgetAvailable: number;
  instances: InstanceSnapshot[];
}

const healthCheckHeaders = { "content-type": "application/json", accept: "application/json", [PROBE_HEADER]: "health-check" };

export class BalancedUpstream {
  readonly instances: readonly UpstreamInstance[];
  private readonly balancer: Balancer<UpstreamInstance>;
  private readonly outliers: OutlierDetector;
  private readonly budget: RetryBudget;
  private readonly checker: ActiveHealthChecker<UpstreamInstance> | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly metrics: UpstreamMetrics;
  private readonly eligible = (instance: UpstreamInstance) => inRotation(instance.health);

  constructor(private readonly options: BalancedUpstreamOptions) {
    const { subgraph } = options;
    const settings = subgraph.settings;
    this.now = options.now ?? Date.now;
    this.metrics = options.metrics ?? noUpstreamMetrics;
    this.logger = options.logger.child({ component: "balancing", subgraph: subgraph.name });
    this.instances = subgraph.instances.map((i) => new UpstreamInstance(i.url, i.weight, options.createSender(i.url)));
    this.balancer = createBalancer(settings.balancer, this.instances, options.random ?? systemRandom);
    this.outliers = new OutlierDetector(settings.outlierDetection, this.now);
    this.budget = new RetryBudget(settings.retry, this.now);
    // `unknown` is in rotation, which is what the metric's `healthy` means.
    for (const i of this.instances) this.metrics.upstreamState(subgraph.name, i.url, "healthy");
    const check = settings.healthCheck;
    if (check.enabled) {
      this.checker = new ActiveHealthChecker({
        targets: this.instances,
        intervalMs: check.intervalMs,
        check: (instance) => this.checkOnce(instance),
        onResult: (instance, passed) =>
          this.changed(instance, applyCheckResult(instance.health, passed, check.unhealthyThreshold, (h, reason) => this.outliers.readmit(h, reason))),
      });
      this.checker.start();
    }
  }

  /** The `SubgraphCall`: pick, send, report; one retry on another instance when safe and budgeted. */
  readonly call = async (request: SubgraphRequest): Promise<SubgraphResponse> => {
    this.budget.recordRequest();
    const key = hashKeyOf(this.options.subgraph.settings.hashKey, request.context);
    const first = this.pick(undefined, key);
    if (!first) throw this.noInstance(request);
    try {
      return await this.send(first, request);
    } catch (error) {
      if (!this.options.subgraph.settings.retry.enabled || request.signal?.aborted || !isRetryable(error, request.operationKind)) throw error;
      const second = this.pick(first, key);
      if (!second) throw error;
      if (!this.budget.tryRetry()) {
        this.logger.warn({ instance: first.url }, "retry budget exhausted: not retrying");
        throw error;
      }
      const kind = error instanceof SubgraphFetchError ? error.kind : undefined;
      const retrying = { from: first.url, to: second.url, kind };
      // The upstream's own logger already names the subgraph; a request's does not.
      if (request.context) request.context.logger.info({ subgraph: request.subgraph, ...retrying }, "retrying subgraph fetch on another instance");
      else this.logger.info(retrying, "retrying subgraph fetch on another instance");
      return await this.send(second, request);
    }
  };

  /** The URLs of the instances in rotation now (healthy, not ejected), in configured order. */
  liveUrls(): string[] {
    return this.instances.filter(this.eligible).map((i) => i.url);
  }

  snapshot(): UpstreamSnapshot {
    return {
      subgraph: this.options.subgraph.name,
      algorithm: this.balancer.algorithm,
      retryBudgetAvailable: this.budget.available(),
      instances: this.instances.map((i) => ({
        url: i.url,
        weight: i.weight,
        state: i.health.state,
        inFlight: i.inFlight,
        consecutiveFailures: i.health.consecutiveFailures,
        ejections: i.health.ejections,
        ejectedUntil: i.health.state === "ejected" ? new Date(i.health.ejectedUntil).toISOString() : null,
      })),
    };
  }

  async close(): Promise<void> {
    this.checker?.stop();
    await Promise.all(this.instances.map((i) => i.sender.close()));
    for (const i of this.instances) this.metrics.upstreamRemoved(this.options.subgraph.name, i.url);
  }

  private pick(exclude: UpstreamInstance | undefined, key: string | undefined): UpstreamInstance | undefined {
    // Without active checks an ejection simply ends when its time is up (Envoy's default).
    if (!this.checker) for (const i of this.instances) this.changed(i, this.outliers.readmit(i.health, "ejection over"));
    return this.balancer.pick(exclude ? (i) => i !== exclude && this.eligible(i) : this.eligible, key);
  }

  private async send(instance: UpstreamInstance, request: SubgraphRequest): Promise<SubgraphResponse> {
    this.setInFlight(instance, instance.inFlight + 1);
    try {
      const response = await instance.sender.send(request);
      this.changed(instance, this.outliers.onSuccess(instance.health));
      return response;
    } catch (error) {
      if (countsAsFailure(error)) {
        const ejected = this.instances.filter((i) => i.health.state === "ejected").length;
        const change = this.outliers.onFailure(instance.health, ejected, this.instances.length);
        this.changed(instance, change);
        if (change?.to === "ejected" && change.ejectionMs !== undefined) this.checker?.checkLater(instance, change.ejectionMs);
      }
      throw error;
    } finally {
      this.setInFlight(instance, instance.inFlight - 1);
    }
  }

  private async checkOnce(instance: UpstreamInstance): Promise<boolean> {
    const check = this.options.subgraph.settings.healthCheck;
    try {
      const response = await instance.sender.send({
        subgraph: this.options.subgraph.name,
        operationKind: "query",
        body: { query: check.query },
        headers: { ...healthCheckHeaders },
        context: undefined,
        signal: AbortSignal.timeout(check.timeoutMs),
      });
      return response.body.data != null;
    } catch {
      return false;
    }
  }

  private noInstance(request: SubgraphRequest): SubgraphFetchError {
    const states = this.instances.map((i) => i.health.state).join(", ");
    return new SubgraphFetchError("no-instance", request.subgraph, undefined, `no instance of subgraph "${request.subgraph}" is in rotation (${states})`);
  }

  private setInFlight(instance: UpstreamInstance, inFlight: number): void {
    instance.inFlight = inFlight;
    this.metrics.upstreamInFlight(this.options.subgraph.name, instance.url, inFlight);
  }

  private changed(instance: UpstreamInstance, change: StateChange | undefined): void {
    if (!change) return;
    this.metrics.upstreamState(this.options.subgraph.name, instance.url, change.to === "unknown" ? "healthy" : change.to);
    const fields = { instance: instance.url, from: change.from, to: change.to, reason: change.reason, ejections: instance.health.ejections, ...(change.ejectionMs !== undefined ? { ejectionMs: change.ejectionMs } : {}) };
    if (change.to === "healthy") this.logger.info(fields, "upstream instance in rotation");
    else this.logger.warn(fields, "upstream instance out of rotation");
  }
}
