/**
 * `GET /admin/upstreams`: each subgraph's algorithm and its instances' state, in-flight count
 * and failure record, as JSON. Off by default in production (it names internal URLs).
 */
import type { GatewayConfig } from "../config/schema.ts";
import { errorBody, errorCodes } from "../errors/codes.ts";
import { sendJson, type RouteHandler } from "../server/routes.ts";
import type { UpstreamSnapshot } from "./upstream.ts";

export const UPSTREAMS_ROUTE = "/admin/upstreams";

/** `admin.upstreams` when set; otherwise on in development and off in production. */
export function adminUpstreamsEnabled(config: Pick<GatewayConfig, "admin" | "mode">): boolean {
  return config.admin.upstreams ?? config.mode === "development";
}

export function upstreamsRoute(snapshot: () => UpstreamSnapshot[]): RouteHandler {
  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      const message = `Method ${req.method} is not allowed on ${UPSTREAMS_ROUTE}; use GET`;
      sendJson(res, errorCodes.METHOD_NOT_ALLOWED, errorBody("METHOD_NOT_ALLOWED", message), { allow: "GET" });
      return;
    }
    sendJson(res, 200, { subgraphs: snapshot() });
  };
}
