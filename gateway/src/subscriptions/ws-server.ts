/**
 * The client-facing WebSocket transport: the `graphql-ws` protocol on the gateway's GraphQL path
 * (an upgrade on the same HTTP server). The token comes in `connection_init`
 * (`{ authorization: "Bearer …" }`) and is verified like an HTTP request's: a bad one closes the
 * socket with 4403 and the reason. Per connection: at most `maxPerConnection` subscriptions, an
 * idle timeout, a `connection_init` deadline (4408), a frame size limit (1009), keep-alive pings,
 * and the token's expiry: each subscription gets a TOKEN_EXPIRED error and completes, then the
 * socket closes with 4403 "Token expired". A malformed message closes it with 4400 (the
 * protocol's code); nothing a client sends can throw past this file.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError, parse, type ExecutionArgs, type FormattedExecutionResult } from "graphql";
import { handleProtocols, makeServer } from "graphql-ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { Authenticate } from "../auth/authenticate.ts";
import type { SubscriptionsConfig } from "../config/subscriptions.ts";
import type { Logger } from "../logging/logger.ts";
import { anonymous, requestIdFrom, type Principal } from "../server/context.ts";
import type { PushStream } from "./push-stream.ts";
import type { Subscribe } from "./subscribe.ts";
import { operationRequestFrom } from "../pipeline/operation-request.ts";
import type { RequestContext } from "../server/context.ts";
import type { OperationAnswer } from "../pipeline/pipeline.ts";
import type { ClientAddressOf } from "../server/client-address.ts";
import type { ObservedOperation, OperationObserver } from "../telemetry/request-telemetry.ts";
import { bindContext, recordResult } from "../telemetry/request-record.ts";
import { errorCodes } from "../errors/codes.ts";

export interface WsServerOptions {
  subscribe: Subscribe;
  config: SubscriptionsConfig;
  path: string;
  logger: Logger;
  authenticate: Authenticate | undefined;
  clientAddressOf: ClientAddressOf;
  /** Opens each subscription's telemetry record; its line is written when the subscription ends or is refused. */
  observe: OperationObserver | undefined;
}

export interface WsServer {
  /** The HTTP server's `upgrade` listener. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open connections. */
  readonly connections: number;
  /** Closes every connection with 1001 (going away). */
  close(): Promise<void>;
}

interface Connection {
  readonly request: IncomingMessage;
  readonly socket: WebSocket;
  readonly requestId: string;
  readonly logger: Logger;
  principal: Principal;
  /** The credentials from `connection_init`, verified again by the pipeline for each subscription. */
  authorization: string | undefined;
  /** Aborted when the socket closes. */
  readonly closed: AbortController;
  readonly streams: Map<string, PushStream<FormattedExecutionResult>>;
  /** Each running subscription's telemetry, finished when it ends. */
  readonly observed: Map<string, ObservedOperation>;
  /** Subscribe messages being decided, so concurrent ones cannot overshoot the limit. */
  pending: number;
  idle: NodeJS.Timeout | undefined;
  expiry: NodeJS.Timeout | undefined;
}

const TOKEN_EXPIRED_CLOSE = 4403;

/** What graphql-ws is handed as the document: it only asks which operation type it is. */
const subscriptionMarker = parse("subscription { __typename }");

export function createWsServer(options: WsServerOptions): WsServer {
  const { config, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxMessageBytes, handleProtocols: (protocols) => handleProtocols(protocols) });
  const connections = new Set<Connection>();

  const graphqlWs = makeServer<Record<string, unknown> | undefined, Connection>({
    connectionInitWaitTimeout: config.connectionInitTimeoutMs,
    onConnect: async (ctx) => {
      const conn = ctx.extra;
      const sent = ctx.connectionParams?.authorization;
      if (options.authenticate) {
        const outcome = await options.authenticate({ authorization: typeof sent === "string" ? sent : undefined } as IncomingHttpHeaders);
        if (outcome.kind === "refused") {
          // An expired token closes as it does when it expires on an open connection, so a
          // client has one signal to refresh on.
          conn.socket.close(4403, outcome.code === "TOKEN_EXPIRED" ? "Token expired" : closeReason(outcome.message));
          return false;
        }
        conn.principal = outcome.principal;
        conn.authorization = typeof sent === "string" ? sent : undefined;
      }
      if (conn.principal.kind === "user" && Number.isFinite(conn.principal.expiresAt)) {
        const ms = conn.principal.expiresAt * 1000 - Date.now();
        if (ms <= 0) {
          conn.socket.close(TOKEN_EXPIRED_CLOSE, "Token expired");
          return false;
        }
        conn.expiry = setTimeout(() => void expire(conn), Math.min(ms, 2 ** 31 - 1));
        conn.expiry.unref();
      }
      armIdle(conn);
      return true;
    },
    onSubscribe: async (ctx, id, payload) => {
      const conn = ctx.extra;
      if (conn.streams.size + conn.pending >= config.maxPerConnection) {
        return [new GraphQLError(`At most ${config.maxPerConnection} subscriptions per connection`, { extensions: { code: "SUBSCRIPTION_LIMIT_EXCEEDED", limit: "connection" } })];
      }
      conn.pending++;
      disarmIdle(conn);
      let outcome;
      const requestId = `${conn.requestId}:${id}`;
      const observed = options.observe?.({ requestId, method: "WS", path: options.path, headers: conn.request.headers, clientAddress: options.clientAddressOf(conn.request) });
      try {
        const request = operationRequestFrom({ query: payload.query, operationName: payload.operationName, variables: payload.variables, extensions: payload.extensions }, "websocket");
        if ("kind" in request) {
          observed?.record.errorCodes.push(request.code);
          observed?.finish(errorCodes[request.code]);
          return [new GraphQLError(request.message, { extensions: { code: request.code } })];
        }
        const context: RequestContext = {
          requestId,
          logger: conn.logger.child({ subscription: id }),
          headers: conn.request.headers,
          clientAddress: options.clientAddressOf(conn.request),
          authorization: conn.authorization,
          signal: conn.closed.signal,
          startedAt: performance.now(),
          principal: anonymous,
          telemetry: observed?.record,
        };
        bindContext(context);
        outcome = await options.subscribe(request, context);
        if (outcome.kind === "refused") recordResult(context, outcome.answer.body);
      } catch (error) {
        observed?.finish(500);
        throw error;
      } finally {
        conn.pending--;
      }
      if (outcome.kind === "refused") {
        observed?.finish(outcome.answer.status);
        armIdle(conn);
        return errorsOf(outcome.answer);
      }
      conn.streams.set(id, outcome.stream);
      if (observed) conn.observed.set(id, observed);
      // graphql-ws wants execution arguments back: it reads the operation type off the document,
      // and `subscribe` below reads the stream off contextValue. The pipeline has run already.
      const args = { schema: undefined, document: subscriptionMarker, contextValue: outcome.stream } as unknown as ExecutionArgs;
      return args;
    },
    // The stream is the subscription. Its events are already formatted results (plain errors,
    // not GraphQLError instances), which onNext hands to the socket as they are.
    subscribe: (args) => args.contextValue as AsyncIterable<never>,
    onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
    onComplete: (ctx, id) => {
      ctx.extra.streams.delete(id);
      finishObserved(ctx.extra, id, false);
      armIdle(ctx.extra);
    },
    onClose: (ctx) => release(ctx.extra),
  });

  /** A subscription that ran is logged as 200 when it ends; `aborted` when the socket went first. */
  function finishObserved(conn: Connection, id: string, aborted: boolean): void {
    const observed = conn.observed.get(id);
    if (!observed) return;
    conn.observed.delete(id);
    observed.finish(aborted ? 499 : 200, aborted);
  }

  function armIdle(conn: Connection): void {
    if (conn.streams.size > 0 || conn.pending > 0 || conn.idle) return;
    conn.idle = setTimeout(() => conn.socket.close(1000, "Idle timeout"), config.idleTimeoutMs);
    conn.idle.unref();
  }

  function disarmIdle(conn: Connection): void {
    clearTimeout(conn.idle);
    conn.idle = undefined;
  }

  /** The connection's token expired: every subscription says so and completes, then the socket closes. */
  async function expire(conn: Connection): Promise<void> {
    for (const stream of conn.streams.values()) stream.end({ errors: [{ message: "The access token has expired; reconnect with a fresh one", extensions: { code: "TOKEN_EXPIRED" } }] });
    const deadline = Date.now() + 1_000;
    while (conn.streams.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    conn.socket.close(TOKEN_EXPIRED_CLOSE, "Token expired");
  }

  function release(conn: Connection): void {
    if (!connections.delete(conn)) return;
    conn.closed.abort();
    disarmIdle(conn);
    clearTimeout(conn.expiry);
    for (const stream of conn.streams.values()) void stream.return();
    conn.streams.clear();
    for (const id of [...conn.observed.keys()]) finishObserved(conn, id, true);
    conn.logger.debug("subscription connection closed");
  }

  function accept(socket: WebSocket, request: IncomingMessage): void {
    const requestId = requestIdFrom(request.headers);
    const conn: Connection = {
      request,
      socket,
      requestId,
      logger: logger.child({ requestId, transport: "websocket" }),
      principal: anonymous,
      authorization: undefined,
      closed: new AbortController(),
      streams: new Map(),
      observed: new Map(),
      pending: 0,
      idle: undefined,
      expiry: undefined,
    };
    connections.add(conn);
    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, () => resolve());
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on("message", (data, isBinary) => {
            const text = isBinary ? "\u0000binary" : String(data);
            cb(text).catch((error: unknown) => {
              conn.logger.error({ err: error }, "subscription message failed");
              socket.close(4500, "Internal server error");
            });
          }),
      },
      conn,
    );
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, config.keepAliveMs);
    ping.unref();
    socket.on("pong", () => (alive = true));
    socket.on("error", (error) => conn.logger.debug({ err: error }, "subscription socket error"));
    socket.once("close", (code, reason) => {
      clearInterval(ping);
      release(conn);
      closed(code, reason.toString()).catch((error: unknown) => conn.logger.error({ err: error }, "subscription cleanup failed"));
    });
  }

  return {
    handleUpgrade(request, socket, head) {
      const path = (request.url ?? "/").split("?")[0];
      if (path !== options.path && path !== `${options.path}/`) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      socket.on("error", () => undefined);
      wss.handleUpgrade(request, socket, head, (ws) => accept(ws, request));
    },
    get connections() {
      return connections.size;
    },
    close: async () => {
      const sockets = [...connections].map((c) => c.socket);
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<void>((resolve) => {
              if (socket.readyState === socket.CLOSED) return resolve();
              const force = setTimeout(() => socket.terminate(), 1_000);
              socket.once("close", () => {
                clearTimeout(force);
                resolve();
              });
              socket.close(1001, "Going away");
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A refusal as graphql-ws error messages: the same errors, codes and extensions as every other transport. */
function errorsOf(answer: OperationAnswer): GraphQLError[] {
  return (answer.body.errors ?? []).map((e) => new GraphQLError(e.message, { extensions: { ...e.extensions, ...(answer.headers["retry-after"] ? { retryAfterSeconds: Number(answer.headers["retry-after"]) } : {}) } }));
}

/** A WebSocket close reason is at most 123 bytes. */
function closeReason(message: string): string {
  const buffer = Buffer.from(message, "utf8");
  return buffer.length <= 123 ? message : `${buffer.subarray(0, 120).toString("utf8").replace(/\uFFFD$/, "")}...`;
}
