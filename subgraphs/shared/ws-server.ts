/**
 * GraphQL subscriptions on a subgraph's own HTTP server: the `graphql-ws` protocol over a
 * WebSocket upgrade on /graphql. The caller's token comes in the `connection_init` payload
 * (`{ authorization: "Bearer …" }`, the gateway forwards the client's) and is verified like an
 * HTTP request's; resolvers then see the same context shape and enforce their own rules.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { GraphQLSchema } from "graphql";
import { makeServer } from "graphql-ws";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import type { RequestContext } from "./context.ts";
import type { IdentityVerifier, Principal } from "./identity.ts";

export interface SubscriptionServerOptions<TContext extends RequestContext> {
  server: Server;
  path: string;
  schema: GraphQLSchema;
  logger: Logger;
  verifyIdentity: IdentityVerifier;
  createContext: (base: RequestContext) => TContext;
  /** Largest client message, in bytes. Default 64 KiB. */
  maxPayloadBytes?: number;
}

export interface SubscriptionServer {
  /** Closes every socket with 1001 (going away: the client reconnects elsewhere or later). */
  close(): Promise<void>;
}

interface ConnectionExtra {
  readonly request: IncomingMessage;
  readonly socket: WebSocket;
  principal: Principal;
  authorization: string | undefined;
}

export function attachSubscriptionServer<TContext extends RequestContext>(options: SubscriptionServerOptions<TContext>): SubscriptionServer {
  const { logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 65_536, handleProtocols: (protocols) => (protocols.has("graphql-transport-ws") ? "graphql-transport-ws" : false) });

  const graphqlWs = makeServer<Record<string, unknown> | undefined, ConnectionExtra>({
    schema: options.schema,
    onConnect: async (ctx) => {
      const sent = ctx.connectionParams?.authorization;
      ctx.extra.authorization = typeof sent === "string" ? sent : undefined;
      ctx.extra.principal = await options.verifyIdentity(ctx.extra.authorization);
      const refused = ctx.extra.principal.kind === "anonymous" ? ctx.extra.principal.refused : undefined;
      if (refused) {
        // As the gateway closes such a connection: 4403 with the reason, so a client refreshes.
        ctx.extra.socket.close(4403, refused === "TOKEN_EXPIRED" ? "Token expired" : "Invalid token");
        return false;
      }
      return true;
    },
    context: (ctx, id) => {
      const requestId = randomUUID();
      const headers = ctx.extra.request.headers;
      return options.createContext({
        requestId,
        logger: logger.child({ requestId, subscription: id }),
        principal: ctx.extra.principal,
        authorization: ctx.extra.authorization,
        clientIp: ctx.extra.request.socket.remoteAddress ?? "unknown",
        headers,
        info: {},
      });
    },
  });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? "/", "http://subgraph").pathname !== options.path) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
  };
  options.server.on("upgrade", onUpgrade);

  function accept(ws: WebSocket, request: IncomingMessage): void {
    const closed = graphqlWs.opened(
      {
        protocol: ws.protocol,
        send: (data) =>
          new Promise<void>((resolve) => {
            if (ws.readyState !== ws.OPEN) return resolve();
            ws.send(data, () => resolve());
          }),
        close: (code, reason) => ws.close(code, reason),
        onMessage: (cb) =>
          ws.on("message", (data) => {
            cb(String(data)).catch((error: unknown) => {
              logger.error({ err: error }, "subscription message failed");
              ws.close(4500, "Internal server error");
            });
          }),
      },
      { request, socket: ws, principal: { kind: "anonymous" }, authorization: undefined },
    );
    ws.on("error", (error) => logger.debug({ err: error }, "subscription socket error"));
    ws.once("close", (code, reason) => void closed(code, reason.toString()));
  }

  return {
    close: async () => {
      options.server.off("upgrade", onUpgrade);
      const sockets = [...wss.clients];
      await Promise.all(
        sockets.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve();
              const force = setTimeout(() => ws.terminate(), 1_000);
              ws.once("close", () => {
                clearTimeout(force);
                resolve();
              });
              ws.close(1001, "Going away");
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
