import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { GraphQLSchema } from "graphql";
import type { Logger } from "pino";
import type { RequestContext } from "./context.ts";
import { HttpError, readBody, toHeaderMap, writeGraphQLResponse, writeJson } from "./http.ts";
import type { IdentityVerifier, TokenRefusal } from "./identity.ts";
import { traceRequest } from "./tracing.ts";
import { attachSubscriptionServer, type SubscriptionServer } from "./ws-server.ts";

/** A plain endpoint beside /graphql (the auth service's JWKS, or its OAuth token endpoint). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, context: RequestContext) => void | Promise<void>;

export interface SubgraphServerOptions<TContext extends RequestContext> {
  service: string;
  schema: GraphQLSchema;
  logger: Logger;
  verifyIdentity: IdentityVerifier;
  /** Adds the service's per-request state (its DataLoaders) to the base context. */
  createContext: (base: RequestContext) => TContext;
  /** GET routes by exact path, besides /healthz. */
  routes?: Record<string, RouteHandler>;
  /** POST routes by exact path, besides /graphql. */
  postRoutes?: Record<string, RouteHandler>;
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  /** Also serve the schema's subscriptions over WebSocket (`graphql-ws`) on /graphql. Default false. */
  subscriptions?: boolean;
}

export interface RunningServer {
  /** http://host:port/graphql */
  url: string;
  /** http://host:port */
  origin: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to 2 s), then closes the rest. */
  close(): Promise<void>;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Records the operation name for the access line once Apollo has parsed the document. */
const operationNamePlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ contextValue, operationName }) {
        if (operationName) contextValue.info.operationName = operationName;
      },
    };
  },
};

/** One subgraph's HTTP server: POST/GET /graphql through Apollo Server, GET /healthz, extra routes. */
export async function startSubgraphServer<TContext extends RequestContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<RunningServer> {
  const { service, logger, verifyIdentity, createContext, routes = {}, postRoutes = {}, maxBodyBytes = 1024 * 1024 } = options;
  const apollo = new ApolloServer<TContext>({
    schema: options.schema,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), operationNamePlugin as ApolloServerPlugin<TContext>],
    logger,
  });
  await apollo.start();

  const handle = async (req: IncomingMessage, res: ServerResponse, base: RequestContext): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://subgraph");
    if (req.method === "GET" && url.pathname === "/healthz") return writeJson(res, 200, { status: "ok", service });
    const route = req.method === "GET" ? routes[url.pathname] : req.method === "POST" ? postRoutes[url.pathname] : undefined;
    if (route) return route(req, res, base);
    if (url.pathname !== "/graphql") return writeJson(res, 404, { error: "not found" });

    const body = await readBody(req, maxBodyBytes);
    const principal = await verifyIdentity(base.authorization);
    if (principal.kind === "anonymous" && principal.reason) base.logger.debug({ reason: principal.reason }, "token rejected");
    if (principal.kind === "anonymous" && principal.refused) return refuseToken(res, principal.refused);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? "GET", headers: toHeaderMap(req), search: url.search, body },
      context: async () => createContext({ ...base, principal }),
    });
    await writeGraphQLResponse(res, response);
  };

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const header = req.headers["x-request-id"];
    const requestId = typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader("x-request-id", requestId);
    const base: RequestContext = {
      requestId,
      logger: logger.child({ requestId }),
      principal: { kind: "anonymous" },
      authorization: req.headers.authorization,
      clientIp: clientIp(req),
      headers: req.headers,
      info: {},
    };
    res.on("finish", () => {
      const path = (req.url ?? "/").split("?")[0];
      // Health probes come every few seconds from balancers, and the gateway's own checks of
      // /graphql (marked with x-gateway-probe) from every gateway: keep them out of the info stream.
      const level = path === "/healthz" || req.headers["x-gateway-probe"] !== undefined ? "debug" : "info";
      base.logger[level](
        {
          method: req.method,
          path,
          operationName: base.info.operationName ?? null,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        "request completed",
      );
    });
    traceRequest(service, req, res, () => base.info.operationName, () => handle(req, res, base)).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) base.logger.error({ err: error }, "request failed");
      if (res.headersSent) res.destroy();
      else writeJson(res, status, { errors: [{ message: status === 500 ? "Internal server error" : (error as Error).message }] });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const subscriptions: SubscriptionServer | undefined = options.subscriptions
    ? attachSubscriptionServer({ server, path: "/graphql", schema: options.schema, logger, verifyIdentity, createContext })
    : undefined;
  const { port } = server.address() as AddressInfo;
  const origin = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Upgraded sockets are no longer HTTP connections: close them, or the server never closes.
      await subscriptions?.close();
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(force);
      await apollo.stop();
    })());

  return { url: `${origin}/graphql`, origin, port, close };
}

const REFUSALS: Record<TokenRefusal, { message: string; description: string }> = {
  TOKEN_EXPIRED: { message: "The access token has expired; sign in again or refresh it", description: "token expired" },
  INVALID_TOKEN: { message: "The access token is not valid", description: "invalid token" },
};

/** 401 for a presented token that is not valid, as the gateway answers it: a client refreshes on it. */
function refuseToken(res: ServerResponse, code: TokenRefusal): void {
  const { message, description } = REFUSALS[code];
  writeJson(res, 401, { errors: [{ message, extensions: { code } }] }, { "www-authenticate": `Bearer error="invalid_token", error_description="${description}"` });
}

function clientIp(req: IncomingMessage): string {
  const forwarded = req.headers["x-forwarded-for"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  return first || req.socket.remoteAddress || "unknown";
}
