/**
 * The routing service: delivery ETAs and the courier's live position over gRPC (routing.proto),
 * over in-memory routes seeded from the delivery subgraph's seed, so the two agree. Beside the
 * gRPC port it answers GET /healthz on a small HTTP port, which is how `npm start` (and a
 * Kubernetes probe) tell it is up without speaking gRPC.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { createLogger } from "../../subgraphs/shared/logger.ts";
import { AssignmentStore } from "./assignments.ts";
import { createHandlers, type ReceivedCall } from "./handlers.ts";
import { routingService } from "./proto.ts";
import { seedRoutes, type RouteRecord } from "./seed.ts";

/** The first instance's gRPC port under `npm start`. */
export const DEFAULT_ROUTING_PORT = 4006;
/** Default milliseconds between two courier positions on WatchCourier. */
export const DEFAULT_TICK_MS = 1_000;

/** How long close() lets calls in flight finish before cutting them off. */
const SHUTDOWN_GRACE_MS = 1_000;

export interface RoutingServiceOptions {
  /** gRPC port. Default 4006; 0 picks a free one. */
  port?: number;
  /** HTTP port of GET /healthz. Default: none (no HTTP listener); 0 picks a free one. */
  healthPort?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** SQLite file of courier assignments, or ":memory:" (the default). Instances may share a file. */
  dbPath?: string;
  /** Default 1000 ms; a request's interval_ms overrides it. */
  tickMs?: number;
  logger?: Logger;
  logLevel?: string;
  now?: () => number;
}

export interface RoutingService {
  /** host:port, as a grpc-js client takes it. */
  readonly address: string;
  readonly port: number;
  /** The /healthz port, when one was asked for. */
  readonly healthPort: number | undefined;
  /** Every call received so far, in order. */
  readonly received: readonly ReceivedCall[];
  /** True once close() was called. */
  readonly closed: boolean;
  /** WatchCourier streams open now. */
  readonly openStreams: number;
  /**
   * While set, every call is answered with this status without touching the data: an instance
   * failing as a real one does (tests of retry and ejection).
   */
  failWith: grpc.status | undefined;
  /** While above 0, unary calls are answered this many ms late: a slow instance (deadline tests). */
  delayMs: number;
  close(): Promise<void>;
}

export async function createRoutingService(options: RoutingServiceOptions = {}): Promise<RoutingService> {
  const logger = options.logger ?? createLogger({ service: "routing", ...(options.logLevel ? { level: options.logLevel } : {}) });
  const host = options.host ?? "127.0.0.1";
  const routes: ReadonlyMap<string, RouteRecord> = new Map(seedRoutes().map((r) => [r.deliveryId, r]));
  const received: ReceivedCall[] = [];
  const state = { failWith: undefined as grpc.status | undefined, delayMs: 0 };
  const streams = { open: 0 };
  const assignments = new AssignmentStore(options.dbPath ?? ":memory:");
  const server = new grpc.Server();
  server.addService(
    routingService().service,
    createHandlers({ routes, assignments, tickMs: options.tickMs ?? DEFAULT_TICK_MS, now: options.now ?? Date.now, logger, received, failWith: () => state.failWith, delayMs: () => state.delayMs, streams }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? DEFAULT_ROUTING_PORT}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  }).catch((error: unknown) => {
    assignments.close();
    throw error;
  });
  const address = `${host}:${port}`;
  let health: HttpServer | undefined;
  if (options.healthPort !== undefined) {
    health = createServer((req, res) => {
      const ok = req.url === "/healthz" || req.url === "/readyz";
      res.writeHead(ok ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { status: "ok", grpc: address } : { error: "not found" }));
    });
    await new Promise<void>((resolve, reject) => {
      health!.once("error", reject);
      health!.listen(options.healthPort, host, () => resolve());
    });
  }
  const healthPort = health ? (health.address() as AddressInfo).port : undefined;
  logger.info({ address, healthPort, routes: routes.size }, "routing service listening");
  let closing: Promise<void> | undefined;
  return {
    address,
    port,
    healthPort,
    received,
    get closed() {
      return closing !== undefined;
    },
    get openStreams() {
      return streams.open;
    },
    get failWith() {
      return state.failWith;
    },
    set failWith(code) {
      state.failWith = code;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms) {
      state.delayMs = ms;
    },
    close: () =>
      (closing ??= (async () => {
        if (health) {
          const h = health;
          await new Promise<void>((resolve) => {
            h.close(() => resolve());
            h.closeAllConnections();
          });
        }
        // Calls in flight may finish; a courier stream could run for minutes, so after a short
        // grace the rest are cut off (their clients see CANCELLED or UNAVAILABLE and reconnect).
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        assignments.close();
      })()),
  };
}
