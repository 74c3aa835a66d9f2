import type { Logger } from "pino";
import type { Db } from "./db.ts";
import type { RunningServer } from "./server.ts";
import { createLogger } from "./logger.ts";
import { defaultDbPath } from "./paths.ts";

export type ServiceName = "auth" | "orders" | "delivery" | "payments";

/** Each subgraph's port in supergraph.yaml's routing_url. */
export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = Object.freeze({
  auth: 4001,
  orders: 4002,
  delivery: 4003,
  payments: 4004,
});

/** Options every subgraph factory accepts. Per-process env (PORT, HOST, DB_PATH) is read by the CLI only. */
export interface CommonServiceOptions {
  /** SQLite file or ":memory:". Default data/<name>.db under the repo root. */
  dbPath?: string;
  /** Default the service's port (4001-4004); 0 picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default a new pino logger at `logLevel`. */
  logger?: Logger;
  /** Default env LOG_LEVEL, else info. Ignored when `logger` is given. */
  logLevel?: string;
  /** Token issuer to accept. Default env JWT_ISSUER, else urn:federated-gateway:auth. */
  issuer?: string;
  /** Token audience to accept. Default env JWT_AUDIENCE, else federated-gateway. */
  audience?: string;
  /** Clock in epoch milliseconds, for timestamps written at run time. Default Date.now. */
  now?: () => number;
}

/** What every subgraph factory returns. */
export interface SubgraphHandle {
  service: ServiceName;
  /** http://host:port/graphql */
  url: string;
  /** http://host:port */
  origin: string;
  port: number;
  db: Db;
  /** SQL statements executed on this service's connection so far. */
  sqlCount(): number;
  logger: Logger;
  /** Closes the HTTP server, then the database. Safe to call twice. */
  close(): Promise<void>;
}

export interface ResolvedCommonOptions {
  dbPath: string;
  port: number;
  host: string;
  logger: Logger;
  now: () => number;
}

export function resolveCommonOptions(service: ServiceName, options: CommonServiceOptions): ResolvedCommonOptions {
  return {
    dbPath: options.dbPath ?? defaultDbPath(service),
    port: options.port ?? DEFAULT_PORTS[service],
    host: options.host ?? "127.0.0.1",
    logger: options.logger ?? createLogger({ service, ...(options.logLevel ? { level: options.logLevel } : {}) }),
    now: options.now ?? Date.now,
  };
}

/** Closes the server before the database so no in-flight resolver touches a closed handle. */
export function closeInOrder(closeServer: () => Promise<void>, db: Db): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      await closeServer();
      if (db.open) db.close();
    })());
}

/** Logs that a service is listening and builds its handle: the one shape every factory returns. */
export function serviceHandle(
  service: ServiceName,
  server: RunningServer,
  opened: { db: Db; sqlCount: () => number },
  logger: Logger,
): SubgraphHandle {
  logger.info({ url: server.url }, `${service} subgraph listening`);
  return {
    service,
    url: server.url,
    origin: server.origin,
    port: server.port,
    db: opened.db,
    sqlCount: opened.sqlCount,
    logger,
    close: closeInOrder(server.close, opened.db),
  };
}
