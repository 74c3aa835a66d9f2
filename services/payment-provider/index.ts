/**
 * The payment provider: a card processor's REST API (JSON over HTTP) as its own service, with
 * its own SQLite file. The payments subgraph creates charges here; the gateway reads charges and
 * creates refunds through Apollo Connectors (schema/payment-provider.graphql).
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { openDatabase, type Db } from "../../subgraphs/shared/db.ts";
import { createLogger } from "../../subgraphs/shared/logger.ts";
import { defaultDbPath } from "../../subgraphs/shared/paths.ts";
import { providerMigrations } from "./migrations.ts";
import { ProviderRepository } from "./repository.ts";
import { createRoutes } from "./routes.ts";

/** supergraph.yaml's routing_url and @source's baseURL point here for the first instance. */
export const DEFAULT_PROVIDER_PORT = 4005;

export interface PaymentProviderOptions {
  /** SQLite file or ":memory:". Default data/payment-provider.db. Instances may share a file. */
  dbPath?: string;
  /** Default 4005; 0 picks a free one. */
  port?: number;
  host?: string;
  logger?: Logger;
  logLevel?: string;
  now?: () => number;
  /**
   * The secret key merchants authenticate with (`Authorization: Bearer <key>` on every /v1
   * request, 401 otherwise). Default env PAYMENT_PROVIDER_API_KEY; empty: no key is asked for.
   */
  apiKey?: string;
}

/** One request as the provider received it (tests count requests at the provider). */
export interface ReceivedRequest {
  method: string;
  /** Path and query string. */
  url: string;
  idempotencyKey: string | undefined;
}

export interface PaymentProvider {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  readonly db: Db;
  /** Every /v1 request received so far, in order (health checks excluded). */
  readonly received: readonly ReceivedRequest[];
  /**
   * While set, every /v1 request is answered with this status and an api_error body, without
   * touching the data: an instance failing as a real one does (tests of retry and ejection).
   */
  failWith: number | undefined;
  close(): Promise<void>;
}

export async function createPaymentProvider(options: PaymentProviderOptions = {}): Promise<PaymentProvider> {
  const logger = options.logger ?? createLogger({ service: "payment-provider", ...(options.logLevel ? { level: options.logLevel } : {}) });
  // FULL: an acknowledged charge must survive a power cut, as the payments subgraph's payments do.
  const { db } = openDatabase({ path: options.dbPath ?? defaultDbPath("payment-provider"), migrations: providerMigrations, synchronous: "FULL" });
  const handle = createRoutes({ repository: new ProviderRepository(db), now: options.now ?? Date.now, logger });
  const received: ReceivedRequest[] = [];
  const state = { failWith: undefined as number | undefined };
  const apiKey = options.apiKey ?? process.env.PAYMENT_PROVIDER_API_KEY ?? "";
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/v1/")) {
      const key = req.headers["idempotency-key"];
      received.push({ method: req.method ?? "GET", url, idempotencyKey: typeof key === "string" ? key : undefined });
      if (apiKey && !safeEqual(req.headers.authorization ?? "", `Bearer ${apiKey}`)) {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { type: "authentication_error", code: "invalid_api_key", message: "Invalid or missing API key" } }));
        return;
      }
      if (state.failWith !== undefined) {
        res.writeHead(state.failWith, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { type: "api_error", code: "unavailable", message: "The provider is failing on purpose" } }));
        return;
      }
    }
    void handle(req, res);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_PROVIDER_PORT, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const url = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
  logger.info({ url }, "payment provider listening");
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    db,
    received,
    get failWith() {
      return state.failWith;
    },
    set failWith(status) {
      state.failWith = status;
    },
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        if (db.open) db.close();
      })()),
  };
}

/** Compares a presented key without leaking, through timing, how much of it matched. */
function safeEqual(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
