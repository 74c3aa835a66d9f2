/**
 * Assembly: wires config, the supergraph snapshot, the operation pipeline and its stages, the
 * executor, the subgraph layers and the transports. No policy logic lives here; the order of
 * the request's stages is written down once, in pipeline/pipeline.ts, and the subgraph layers'
 * order below.
 */
// First: replaces two packages' re-export getters with plain values before @apollo/gateway loads them.
import "./private-apis/flat-exports.ts";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloGateway } from "@apollo/gateway";
import { setupAuth, warnIfUnenforced } from "./auth/setup.ts";
import { setupLimits } from "./limits/setup.ts";
import { adminUpstreamsEnabled, UPSTREAMS_ROUTE, upstreamsRoute } from "./balancing/admin-route.ts";
import { createBalancedUpstreams } from "./balancing/upstream-set.ts";
import type { GatewayConfig } from "./config/schema.ts";
import { createLogger, type Logger } from "./logging/logger.ts";
import { drainServer, InFlightTracker } from "./server/draining.ts";
import { clientAddressResolver } from "./server/client-address.ts";
import { answerClientError } from "./server/client-errors.ts";
import { createCors } from "./server/cors.ts";
import { createHttpHandler } from "./server/http-handler.ts";
import { manifestMetrics } from "./hardening/manifest-metrics.ts";
import { ManifestSource } from "./hardening/manifest-source.ts";
import { apqEnabled } from "./config/operations.ts";
import { createReadiness } from "./server/readiness.ts";
import { registerReadinessMetrics } from "./server/readiness-metrics.ts";
import { sendJson, type RouteHandler } from "./server/routes.ts";
import { FileSupergraphSource } from "./supergraph/file-source.ts";
import { dedupLayer } from "./subgraph/dedup-layer.ts";
import { shareOperations } from "./execution/operation-sharing.ts";
import { createGatewayExecute } from "./execution/gateway-executor.ts";
import { createNativeExecute } from "./executor/native-execute.ts";
import { loadHivePlanner } from "./executor/hive-plans.ts";
import { createDocumentStage } from "./pipeline/document-stage.ts";
import { createErrorShaper } from "./pipeline/error-shaping.ts";
import { OperationPipeline } from "./pipeline/pipeline.ts";
import { createPersistedStage, localApqCache } from "./hardening/persisted-stage.ts";
import { sandboxLandingPage, type LandingPage } from "./server/landing-page.ts";
import { graphiqlPage } from "./server/graphiql-page.ts";
import { buildSnapshot, type SupergraphSnapshot } from "./supergraph/snapshot.ts";
import { SubgraphRegistry } from "./subgraph/registry.ts";
import { ConnectorSender } from "./connectors/sender.ts";
import { GrpcSender } from "./grpc/sender.ts";
import { warnUnmatchedSubgraphs } from "./subgraph/unmatched-settings.ts";
import { setupRestEndpoints } from "./rest/setup.ts";
import { setupSubscriptions, type SubscriptionsRuntime } from "./subscriptions/setup.ts";
import { createTelemetry, type Telemetry } from "./telemetry/telemetry.ts";
import type { SpanProcessor } from "./telemetry/tracing.ts";
import { setupUsage } from "./usage/setup.ts";

export interface GatewayOptions {
  /** Defaults to a pino logger at the configured level on stdout. */
  logger?: Logger;
  /** Where spans go instead of the OTLP exporter when tracing is on (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

export interface RunningGateway {
  /** `http://host:port/graphql` */
  readonly url: string;
  readonly port: number;
  readonly supergraph: FileSupergraphSource;
  /** The persisted-operations manifest (reload() re-reads it); undefined without one. */
  readonly manifest: ManifestSource | undefined;
  readonly subgraphs: SubgraphRegistry;
  readonly logger: Logger;
  /** Metrics, tracing and the access log; `telemetry.upstream` is the balancer's reporting API. */
  readonly telemetry: Telemetry;
  /** Where Prometheus scrapes; undefined when metrics are off. */
  readonly metricsUrl: string | undefined;
  /** WebSocket and SSE subscriptions; undefined when `subscriptions.enabled` is false. */
  readonly subscriptions: SubscriptionsRuntime | undefined;
  /** Graceful stop: drain within the grace period, then close everything. Idempotent. */
  stop(): Promise<{ drained: boolean }>;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ level: config.logging.level });
  const supergraph = new FileSupergraphSource({ ...config.supergraph, logger });
  const clientAddressOf = clientAddressResolver(config.server.trustedProxies);
  supergraph.onLoad(({ sdl }) => warnUnmatchedSubgraphs(Object.keys(config.subgraphs), sdl, logger));
  const telemetry = await createTelemetry({ config, logger, ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}) });
  // One immutable snapshot per loaded supergraph, swapped in one assignment.
  let snapshot: SupergraphSnapshot | undefined;
  // A connector subgraph's instances run its fetches in-process, calling the REST service (connectors/);
  // a gRPC subgraph's likewise, calling the gRPC service (grpc/).
  const upstreams = createBalancedUpstreams({
    logger,
    metrics: telemetry.upstream,
    senderFor: (subgraph, url) =>
      snapshot?.connectors.has(subgraph.name)
        ? new ConnectorSender(subgraph.name, url, () => snapshot?.connectors.get(subgraph.name), subgraph.settings, config.connectors[subgraph.name]?.config)
        : snapshot?.grpc.has(subgraph.name)
          ? new GrpcSender(subgraph.name, url, () => snapshot?.grpc.get(subgraph.name), { ...subgraph.settings, requestTimeoutMs: config.operations.requestTimeoutMs })
          : undefined,
  });
  const subgraphs = new SubgraphRegistry({
    config,
    logger,
    upstream: upstreams.factory,
    // Subgraph layers, outermost first: telemetry sees every fetch as the query plan waits for it;
    // dedup next, so identical fetches share one trip through everything below it.
    layers: (subgraph) => [
      telemetry.subgraphLayer(subgraph),
      ...(subgraph.settings.dedup ? [dedupLayer()] : []),
      ...(limits?.subgraphLayer ? [limits.subgraphLayer] : []),
    ],
  });

  // Authentication at the edge and authorization from the supergraph's directives; off without `auth`.
  const metrics = telemetry.metrics;
  if (metrics) supergraph.onReload((outcome) => metrics.supergraphReload(outcome));
  const auth = config.auth ? setupAuth(config.auth, { supergraph, logger, onJwksRefresh: metrics && ((ok) => metrics.jwksRefresh(ok)) }) : undefined;
  if (!auth) warnIfUnenforced(supergraph, logger);

  const tracker = new InFlightTracker();
  // Cost estimate and rate limits, decided after authorization and before the query plan; off without `limits`.
  const limits = config.limits
    ? await setupLimits(config.limits, { supergraph, logger, registry: telemetry.metrics?.registry, inFlight: () => tracker.inFlight })
    : undefined;

  // @apollo/gateway otherwise probes cloud metadata endpoints at start and sends usage data to
  // Apollo every few seconds, from every gateway, over HTTPS (about 1% of CPU under load, and a
  // stream of failed connections where there is no internet). Set it to "false" to opt back in.
  process.env.APOLLO_TELEMETRY_DISABLED ??= "true";
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.manager(),
    buildService: ({ name, url }) => subgraphs.dataSourceFor(name, url ?? ""),
    logger: logger.child({ component: "apollo-gateway" }),
  });
  // Our executor counts its own prepared-operation lookups (every operation, fallbacks included);
  // @apollo/gateway's plan cache is counted only when it plans everything.
  if (config.operations.executor === "apollo") telemetry.observe(gateway);

  supergraph.onLoad((loaded) => {
    snapshot = buildSnapshot(loaded);
  });
  // Usage recording (after each execution) and the reload guard (before each swap); off without `usage`.
  const usage = await setupUsage(config, { supergraph, snapshot: () => snapshot, logger, registry: telemetry.metrics?.registry });
  const loadedGateway = await gateway.load();
  const apolloExecute = createGatewayExecute(() => loadedGateway.executor);
  if (config.operations.executor === "native" && config.operations.planner === "hive-rust") loadHivePlanner();
  const planExecute =
    config.operations.executor === "native"
      ? createNativeExecute({
          service: (current, name) => subgraphs.dataSourceFor(name, current.subgraphUrls.get(name) ?? ""),
          fallback: apolloExecute,
          planner: config.operations.planner,
          tracer: telemetry.tracer,
          onLookup: metrics && ((hit) => metrics.queryPlanLookup(hit)),
          onFallback: (reason) => {
            metrics?.executorFallback(reason);
            logger.debug({ reason }, "operation handed to @apollo/gateway's executor");
          },
        })
      : apolloExecute;
  // Identical in-flight queries of one caller share one execution, after every stage ran for each of them.
  const execute = config.operations.shareInFlight ? shareOperations(planExecute, { propagatedHeaders: propagatedHeaders(config) }) : planExecute;

  const development = config.mode === "development";
  const apqRedis = apqEnabled(config.operations.persisted) ? config.operations.persisted.redis : undefined;
  // Loaded only with Redis configured: a gateway without it never loads the Redis client.
  const apqStore = apqRedis ? await (await import("./hardening/apq-store.ts")).SharedApqStore.connect({ ...apqRedis, logger }) : undefined;
  // The safelist manifest, re-read on SIGHUP and when its file changes (each replica its own copy).
  const persisted = config.operations.persisted;
  const manifest = persisted.manifest
    ? new ManifestSource({
        path: persisted.manifest,
        mode: persisted.mode,
        watch: persisted.watchManifest,
        pollIntervalMs: persisted.manifestPollIntervalMs,
        logger,
        ...(telemetry.metrics ? { metrics: manifestMetrics(telemetry.metrics.registry) } : {}),
      })
    : undefined;
  const shapeError = createErrorShaper({ mask: !development, clientFacingCodes: config.errors.clientFacingCodes });
  const pipeline = new OperationPipeline({
    snapshot: () => snapshot,
    authenticate: auth?.authenticate,
    persisted: createPersistedStage({
      manifest,
      // In safelist mode APQ registration would let a client add operations: it is off then.
      apq: apqEnabled(config.operations.persisted) ? (apqStore ?? localApqCache()) : undefined,
    }),
    document: createDocumentStage({ limits: config.operations.limits, introspection: config.operations.introspection ?? development, hideSuggestions: !development }),
    authorize: auth?.authorize,
    limits: limits?.stage,
    shapeError,
    tracer: telemetry.tracer,
    executed: usage ? (prepared, context) => usage.recorder.record(prepared, context.headers) : undefined,
  });

  // Federated subscriptions (WebSocket upgrade and SSE), entering the same pipeline.
  const subscriptions = config.subscriptions.enabled
    ? setupSubscriptions(config.subscriptions, {
        pipeline,
        execute,
        registry: subgraphs,
        logger,
        graphqlPath: "/graphql",
        clientAddressOf,
        liveUrls: upstreams.liveUrls,
        bodyTimeoutMs: config.server.bodyTimeoutMs,
        authenticate: auth?.authenticate,
        consumers: config.limits?.consumers,
        shapeError,
        observe: telemetry.observer,
        ...(metrics ? { onUpstreamEvent: (subgraph: string, event: "reconnected" | "exhausted") => metrics.upstreamSubscription(subgraph, event) } : {}),
      })
    : undefined;
  if (metrics && subscriptions) metrics.observeSubscriptions(subscriptions.stats);

  // Leaving: /readyz says 503 while requests are still served (server.drainDelayMs); draining: the listener is closed.
  let leaving = false;
  let draining = false;
  let listening = false;
  const readiness = createReadiness({
    isSupergraphLoaded: () => supergraph.loaded !== undefined,
    isListening: () => listening,
    isDraining: () => leaving || draining,
    subgraphNames: () => subgraphs.names(),
    probe: (name) => subgraphs.probe(name, config.readiness.timeoutMs),
    checkSubgraphs: config.readiness.checkSubgraphs,
    requireSubgraphs: config.readiness.requireSubgraphs,
    cacheMs: config.readiness.cacheMs,
  });
  registerReadinessMetrics(telemetry.metrics?.registry, readiness);
  const routes = new Map<string, RouteHandler>([
    ["/healthz", (_req, res) => sendJson(res, 200, { status: "ok" })],
    [
      "/readyz",
      async (_req, res) => {
        const report = await readiness();
        // A held supergraph change leaves the gateway ready (the old schema serves) but is shown here.
        sendJson(res, report.ready ? 200 : 503, usage?.guard ? { ...report, reloadGuard: usage.guard.status() } : report);
      },
    ],
  ]);
  for (const [path, route] of telemetry.routes) routes.set(path, route);
  const developerPage = config.developerPage ?? (development ? "sandbox" : "off");
  let landingPage: LandingPage | undefined;
  if (developerPage === "sandbox") landingPage = await sandboxLandingPage();
  if (developerPage === "graphiql") {
    const graphiql = graphiqlPage();
    landingPage = graphiql.page;
    for (const [path, route] of graphiql.routes) routes.set(path, route);
  }
  if (adminUpstreamsEnabled(config)) routes.set(UPSTREAMS_ROUTE, upstreamsRoute(upstreams.snapshot));

  // REST endpoints of the manifest's operations, through the same pipeline.
  const restEndpoints = setupRestEndpoints(config, {
    pipeline,
    execute,
    snapshot: () => snapshot,
    context: { logger, clientAddressOf, requestTimeoutMs: config.operations.requestTimeoutMs },
  });

  // Telemetry wraps the whole edge, so requests refused before the pipeline are still counted and logged.
  const handle = telemetry.wrap(createHttpHandler({
    pipeline,
    execute,
    logger,
    graphqlPath: "/graphql",
    bodyLimitBytes: config.server.bodyLimitBytes,
    bodyTimeoutMs: config.server.bodyTimeoutMs,
    requestTimeoutMs: config.operations.requestTimeoutMs,
    batching: config.operations.batching,
    routes,
    isDraining: () => draining,
    eventStream: subscriptions?.eventStream,
    clientAddressOf,
    cors: createCors(config.server.cors),
    compression: config.server.compression.enabled ? config.server.compression : undefined,
    csrfPrevention: config.server.csrfPrevention,
    landingPage,
    rest: restEndpoints,
  }), { graphqlPath: "/graphql", isQuietPath: (path) => routes.has(path), clientAddressOf });
  const server: Server = createServer(
    {
      keepAliveTimeout: config.server.keepAliveTimeoutMs,
      // Headers get as long as a body; Node's own whole-request limit is only a backstop behind the edge's body deadline.
      headersTimeout: config.server.bodyTimeoutMs,
      requestTimeout: 2 * config.server.bodyTimeoutMs + 1_000,
    },
    (req, res) => {
      tracker.track(res);
      void handle(req, res);
    },
  );
  server.on("clientError", answerClientError);
  if (subscriptions) server.on("upgrade", subscriptions.handleUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off("error", reject);
      listening = true;
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${port}/graphql`;
  logger.info({ url, mode: config.mode, supergraph: config.supergraph.path }, "gateway listening");
  const onGatewayPort = telemetry.routes[0] ? `http://${host}:${port}${telemetry.routes[0][0]}` : undefined;
  const metricsUrl = (await telemetry.listen(config.server.host)) ?? onGatewayPort;

  let stopping: Promise<{ drained: boolean }> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      leaving = true;
      if (config.server.drainDelayMs > 0) {
        logger.info({ delayMs: config.server.drainDelayMs }, "gateway leaving: /readyz answers 503, still serving");
        await new Promise((resolve) => setTimeout(resolve, config.server.drainDelayMs));
      }
      draining = true;
      logger.info({ inFlight: tracker.inFlight }, "gateway draining");
      // Subscriptions never finish on their own: end them alongside the drain, or SSE streams would hold it for the whole grace period.
      const subscriptionsClosed = subscriptions?.close();
      const result = await drainServer(server, tracker, config.server.shutdownGraceMs);
      listening = false;
      await subscriptionsClosed;
      await gateway.stop();
      manifest?.close();
      await limits?.close();
      await apqStore?.close();
      await usage?.close();
      await subgraphs.close();
      await telemetry.close();
      logger.info({ drained: result.drained }, "gateway stopped");
      logger.flush();
      return result;
    })());

  return { url, port, supergraph, manifest, subgraphs, logger, telemetry, metricsUrl, subscriptions, stop };
}

/** Every client header some subgraph receives: `all` and each subgraph's own list. */
function propagatedHeaders(config: GatewayConfig): string[] {
  const names = new Set<string>();
  for (const settings of Object.values(config.subgraphs)) for (const name of settings.propagateHeaders ?? []) names.add(name);
  return [...names].sort();
}
