/**
 * Assembly: wires config, supergraph, subgraph pipeline, Apollo Server and the HTTP edge.
 * No policy logic lives here; each concern is a module the lists below name in order.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloGateway } from "@apollo/gateway";
import type { ApolloServerPlugin } from "@apollo/server";
import type { GatewayConfig } from "./config/schema.ts";
import { createLogger, type Logger } from "./logging/logger.ts";
import { createApolloServer } from "./server/apollo.ts";
import type { RequestContext } from "./server/context.ts";
import { drainServer, InFlightTracker } from "./server/draining.ts";
import { createHttpHandler } from "./server/http-handler.ts";
import { createReadiness } from "./server/readiness.ts";
import { sendJson, type RouteHandler } from "./server/routes.ts";
import { FileSupergraphSource } from "./supergraph/file-source.ts";
import { SubgraphRegistry } from "./subgraph/registry.ts";

export interface GatewayOptions {
  /** Defaults to a pino logger at the configured level on stdout. */
  logger?: Logger;
}

export interface RunningGateway {
  /** `http://host:port/graphql` */
  readonly url: string;
  readonly port: number;
  readonly supergraph: FileSupergraphSource;
  readonly subgraphs: SubgraphRegistry;
  readonly logger: Logger;
  /** Graceful stop: drain within the grace period, then close everything. Idempotent. */
  stop(): Promise<{ drained: boolean }>;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ level: config.logging.level });
  const supergraph = new FileSupergraphSource({ ...config.supergraph, logger });
  const subgraphs = new SubgraphRegistry({ config, logger });

  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.manager(),
    buildService: ({ name, url }) => subgraphs.dataSourceFor(name, url ?? ""),
    logger: logger.child({ component: "apollo-gateway" }),
  });

  // Request-level policies, outermost first.
  const plugins: ApolloServerPlugin<RequestContext>[] = [];
  const apollo = createApolloServer({ config, gateway, logger, plugins });
  await apollo.start();

  const readiness = createReadiness({
    isSupergraphLoaded: () => supergraph.loaded !== undefined,
    subgraphNames: () => subgraphs.names(),
    probe: (name) => subgraphs.probe(name, config.readiness.timeoutMs),
    checkSubgraphs: config.readiness.checkSubgraphs,
    cacheMs: config.readiness.cacheMs,
  });
  const routes = new Map<string, RouteHandler>([
    ["/healthz", (_req, res) => sendJson(res, 200, { status: "ok" })],
    [
      "/readyz",
      async (_req, res) => {
        const report = await readiness();
        sendJson(res, report.ready ? 200 : 503, report);
      },
    ],
  ]);

  let draining = false;
  const tracker = new InFlightTracker();
  const handle = createHttpHandler({
    apollo: () => apollo,
    logger,
    graphqlPath: "/graphql",
    bodyLimitBytes: config.server.bodyLimitBytes,
    routes,
    isDraining: () => draining,
  });
  const server: Server = createServer({ keepAliveTimeout: config.server.keepAliveTimeoutMs }, (req, res) => {
    tracker.track(res);
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${port}/graphql`;
  logger.info({ url, mode: config.mode, supergraph: config.supergraph.path }, "gateway listening");

  let stopping: Promise<{ drained: boolean }> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      logger.info({ inFlight: tracker.inFlight }, "gateway draining");
      const result = await drainServer(server, tracker, config.server.shutdownGraceMs);
      await apollo.stop();
      await subgraphs.close();
      logger.info({ drained: result.drained }, "gateway stopped");
      logger.flush();
      return result;
    })());

  return { url, port, supergraph, subgraphs, logger, stop };
}
