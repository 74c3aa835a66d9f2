/**
 * Serves the metrics in the Prometheus text format: as a route on the gateway port, or on a
 * separate admin port so the scrape endpoint need not be reachable by API clients.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorBody } from "../errors/codes.ts";
import { sendJson, type RouteHandler } from "../server/routes.ts";
import type { GatewayMetrics } from "./metrics.ts";

export function metricsRoute(metrics: GatewayMetrics): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return sendJson(res, 405, errorBody("METHOD_NOT_ALLOWED", `Method ${req.method} is not allowed on the metrics endpoint; use GET`), { allow: "GET" });
    }
    let text: string;
    try {
      text = await metrics.render();
    } catch {
      // A collector that throws must not take the scrape endpoint (or the process) down.
      return sendJson(res, 500, errorBody("INTERNAL_SERVER_ERROR", "Collecting metrics failed"));
    }
    res.writeHead(200, { "content-type": metrics.contentType, "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : text);
  };
}

export interface MetricsServer {
  /** `http://host:port<path>` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A listener that serves only `path`; everything else is a JSON 404. */
export async function startMetricsServer(options: { host: string; port: number; path: string; route: RouteHandler }): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === options.path) return void Promise.resolve(options.route(req, res)).catch(() => res.destroy());
    sendJson(res, 404, errorBody("NOT_FOUND", `No route for ${path}; metrics are served at ${options.path}`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}${options.path}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
