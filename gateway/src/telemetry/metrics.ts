/**
 * The gateway's Prometheus metrics, on a registry of its own (never prom-client's global one,
 * so two gateways in one process, as in tests, never share series). Every label value is
 * bounded: operation names and error codes pass through `BoundedLabels`, subgraph and instance
 * names come from the supergraph and the config, statuses and outcomes from fixed sets.
 *
 * The names below are the contract the alert rules (deploy/prometheus/alerts.yml) and the
 * dashboard (deploy/grafana/gateway-dashboard.json) are written against.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { SubgraphFailureKind } from "../subgraph/types.ts";
import type { ReloadOutcome } from "../supergraph/file-source.ts";
import { BoundedLabels, OperationLabels } from "./bounded-labels.ts";
import type { CostRecord, RateLimitDecision } from "./request-record.ts";

/** The balancer's view of one instance. */
export type UpstreamState = "healthy" | "unhealthy" | "ejected";
const upstreamStates: readonly UpstreamState[] = ["healthy", "unhealthy", "ejected"];

/**
 * What the balancing feature reports. Call `upstreamState` on every change (repeating a state is
 * harmless); an entry into `ejected` also counts one ejection.
 */
export interface UpstreamMetrics {
  upstreamState(subgraph: string, instance: string, state: UpstreamState): void;
  /** Requests sent to the instance and not yet answered. */
  upstreamInFlight(subgraph: string, instance: string, inFlight: number): void;
  /** The instance left the configuration: its series are removed. */
  upstreamRemoved(subgraph: string, instance: string): void;
}

export const noUpstreamMetrics: UpstreamMetrics = {
  upstreamState: () => {},
  upstreamInFlight: () => {},
  upstreamRemoved: () => {},
};

/** What the subscriptions runtime holds now, read at each scrape. */
export interface SubscriptionStats {
  subscriptions: number;
  webSocketConnections: number;
  eventStreams: number;
  upstreams: number;
}

/** An upstream subscription connection came back after a drop, or gave up after its attempts. */
export type UpstreamSubscriptionEvent = "reconnected" | "exhausted";

export interface MetricsOptions {
  operationNames: readonly string[];
  maxOperationNames: number;
  processMetrics: boolean;
  latencyBuckets: readonly number[];
}

/** One finished request, as the metrics see it. */
export interface FinishedRequest {
  /** Undefined: no operation resolved; null: anonymous. */
  readonly operationName: string | null | undefined;
  readonly operationType: string | undefined;
  /** The HTTP status, or 499 when the client went away first. */
  readonly status: number;
  readonly seconds: number;
  readonly errorCodes: readonly string[];
  readonly cost: CostRecord | undefined;
  readonly rateLimits: readonly RateLimitDecision[];
  /** Answered by an identical execution already in flight (operation sharing). */
  readonly shared: boolean;
}

/** Distinct error codes that get their own label value; subgraphs may invent codes. */
const maxErrorCodes = 50;
const costBuckets = [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

export class GatewayMetrics implements UpstreamMetrics {
  readonly registry = new Registry();
  private readonly operations: OperationLabels;
  private readonly codes = new BoundedLabels([], maxErrorCodes);
  private readonly upstreamLast = new Map<string, UpstreamState>();

  private readonly requests: Counter<"operation_name" | "operation_type" | "status">;
  private readonly requestSeconds: Histogram<"operation_name" | "operation_type" | "status">;
  private readonly graphqlErrors: Counter<"code">;
  private readonly fetchSeconds: Histogram<"subgraph" | "instance">;
  private readonly fetchErrors: Counter<"subgraph" | "instance" | "kind">;
  private readonly fetchesInFlight: Gauge<"subgraph">;
  private readonly instanceState: Gauge<"subgraph" | "instance" | "state">;
  private readonly instanceInFlight: Gauge<"subgraph" | "instance">;
  private readonly ejections: Counter<"subgraph" | "instance">;
  private readonly rateLimitDecisions: Counter<"policy" | "decision">;
  private readonly cost: Histogram<"kind">;
  private readonly planCache: Counter<"result">;
  private readonly executorFallbacks: Counter<"reason">;
  private readonly sharedOperations: Counter;
  private readonly supergraphReloads: Counter<"result" | "reason">;
  private readonly supergraphRefused: Gauge;
  private readonly upstreamSubscriptionEvents: Counter<"subgraph" | "event">;
  private readonly jwksRefreshes: Counter<"result">;
  private subscriptionStats: (() => SubscriptionStats) | undefined;

  constructor(options: MetricsOptions) {
    this.operations = new OperationLabels(options.operationNames, options.maxOperationNames);
    // One registry, one line per metric: name, help, labels (and buckets for histograms).
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]) =>
      new Histogram<L>({ name, help, labelNames, buckets: [...buckets], registers });
    const latency = options.latencyBuckets;

    this.requests = counter("gateway_requests_total", "Requests answered, by operation name (bounded), operation type and HTTP status (499: client went away).", ["operation_name", "operation_type", "status"]);
    this.requestSeconds = histogram("gateway_request_duration_seconds", "Time from receiving a request to finishing its response.", ["operation_name", "operation_type", "status"], latency);
    this.graphqlErrors = counter("gateway_graphql_errors_total", "Errors in responses, by extensions.code (bounded).", ["code"]);
    this.fetchSeconds = histogram("gateway_subgraph_fetch_duration_seconds", "Subgraph fetch latency, failures included, by subgraph and instance.", ["subgraph", "instance"], latency);
    this.fetchErrors = counter("gateway_subgraph_fetch_errors_total", "Subgraph fetches that failed, by subgraph, instance and failure kind.", ["subgraph", "instance", "kind"]);
    this.fetchesInFlight = gauge("gateway_subgraph_fetches_in_flight", "Subgraph fetches sent and not yet finished, by subgraph.", ["subgraph"]);
    this.instanceState = gauge("gateway_upstream_instance_state", "1 for the state each subgraph instance is in (healthy, unhealthy, ejected), 0 for the others.", ["subgraph", "instance", "state"]);
    this.instanceInFlight = gauge("gateway_upstream_instance_in_flight", "Requests sent to a subgraph instance and not yet answered, as the balancer counts them.", ["subgraph", "instance"]);
    this.ejections = counter("gateway_upstream_ejections_total", "Times a subgraph instance was ejected by outlier detection or failed health checks.", ["subgraph", "instance"]);
    this.rateLimitDecisions = counter("gateway_rate_limit_decisions_total", "Rate-limit decisions by policy and decision (allowed, rejected, would-reject in measure mode).", ["policy", "decision"]);
    this.cost = histogram("gateway_operation_cost", "Operation cost: the static estimate before execution and, when measured, the actual cost.", ["kind"], costBuckets);
    this.planCache = counter("gateway_query_plan_cache_lookups_total", "Query-plan cache lookups by result (hit, miss).", ["result"]);
    this.executorFallbacks = counter(
      "gateway_executor_fallbacks_total",
      "Operations our executor handed to @apollo/gateway's, by reason (introspection, context rewrites, planning error).",
      ["reason"],
    );
    this.sharedOperations = counter("gateway_operations_shared_total", "Requests answered by an identical query already executing for the same caller, instead of an execution of their own.");
    this.supergraphReloads = counter("gateway_supergraph_reloads_total", "Supergraph reload attempts by result (applied, unchanged, refused) and reason of a refusal (unreadable, invalid; none otherwise).", ["result", "reason"]);
    this.supergraphRefused = new Gauge({ name: "gateway_supergraph_reload_refused", help: "1 while the supergraph file holds a schema the gateway refused (the previous one still serves), else 0.", registers });
    this.supergraphRefused.set(0);
    this.upstreamSubscriptionEvents = counter(
      "gateway_subscription_upstream_reconnects_total",
      "Upstream subscription connections to a subgraph re-established after a drop (event=reconnected) or given up after every attempt (event=exhausted).",
      ["subgraph", "event"],
    );
    this.jwksRefreshes = counter("gateway_jwks_refreshes_total", "Fetches of the remote JWKS by result (success, failure).", ["result"]);
    const stats = () => this.subscriptionStats?.();
    new Gauge({
      name: "gateway_subscriptions_active",
      help: "Client subscriptions running now, over WebSocket and SSE.",
      registers,
      collect() {
        this.set(stats()?.subscriptions ?? 0);
      },
    });
    new Gauge({
      name: "gateway_subscription_client_connections",
      help: "Open client subscription connections by transport (websocket connections, sse streams).",
      labelNames: ["transport"],
      registers,
      collect() {
        const now = stats();
        this.set({ transport: "websocket" }, now?.webSocketConnections ?? 0);
        this.set({ transport: "sse" }, now?.eventStreams ?? 0);
      },
    });
    new Gauge({
      name: "gateway_subscription_upstream_connections",
      help: "Upstream subscription connections to subgraphs open now (one per distinct upstream subscription, shared by its clients).",
      registers,
      collect() {
        this.set(stats()?.upstreams ?? 0);
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Prometheus text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  requestFinished(request: FinishedRequest): void {
    const labels = {
      operation_name: this.operations.label(request.operationName),
      operation_type: request.operationType ?? "none",
      status: String(request.status),
    };
    this.requests.inc(labels);
    this.requestSeconds.observe(labels, request.seconds);
    for (const code of request.errorCodes) this.graphqlErrors.inc({ code: this.codes.label(code) });
    if (request.shared) this.sharedOperations.inc();
    for (const decision of request.rateLimits) this.rateLimitDecisions.inc({ policy: decision.policy, decision: decision.outcome });
    if (request.cost) {
      this.cost.observe({ kind: "estimated" }, request.cost.estimated);
      if (request.cost.actual !== undefined) this.cost.observe({ kind: "actual" }, request.cost.actual);
    }
  }

  fetchStarted(subgraph: string): void {
    this.fetchesInFlight.inc({ subgraph });
  }

  fetchFinished(subgraph: string, instance: string | undefined, seconds: number, error: SubgraphFailureKind | "unknown" | undefined): void {
    const labels = { subgraph, instance: instance ?? "none" };
    this.fetchesInFlight.dec({ subgraph });
    this.fetchSeconds.observe(labels, seconds);
    if (error !== undefined) this.fetchErrors.inc({ ...labels, kind: error });
  }

  executorFallback(reason: string): void {
    this.executorFallbacks.inc({ reason });
  }

  queryPlanLookup(hit: boolean): void {
    this.planCache.inc({ result: hit ? "hit" : "miss" });
  }

  supergraphReload(outcome: ReloadOutcome): void {
    this.supergraphReloads.inc({ result: outcome.result, reason: outcome.result === "refused" ? outcome.reason : "none" });
    this.supergraphRefused.set(outcome.result === "refused" ? 1 : 0);
  }

  /** Where the subscription gauges read from at each scrape. */
  observeSubscriptions(stats: () => SubscriptionStats): void {
    this.subscriptionStats = stats;
  }

  upstreamSubscription(subgraph: string, event: UpstreamSubscriptionEvent): void {
    this.upstreamSubscriptionEvents.inc({ subgraph, event });
  }

  jwksRefresh(ok: boolean): void {
    this.jwksRefreshes.inc({ result: ok ? "success" : "failure" });
  }

  upstreamState(subgraph: string, instance: string, state: UpstreamState): void {
    const key = `${subgraph}\u0000${instance}`;
    const previous = this.upstreamLast.get(key);
    if (previous === state) return;
    this.upstreamLast.set(key, state);
    for (const s of upstreamStates) this.instanceState.set({ subgraph, instance, state: s }, s === state ? 1 : 0);
    if (state === "ejected") this.ejections.inc({ subgraph, instance });
  }

  upstreamInFlight(subgraph: string, instance: string, inFlight: number): void {
    this.instanceInFlight.set({ subgraph, instance }, inFlight);
  }

  upstreamRemoved(subgraph: string, instance: string): void {
    this.upstreamLast.delete(`${subgraph}\u0000${instance}`);
    for (const state of upstreamStates) this.instanceState.remove({ subgraph, instance, state });
    this.instanceInFlight.remove({ subgraph, instance });
  }
}
