/**
 * CORS on the GraphQL path (`server.cors`): lets browser apps on the listed origins call the
 * gateway. Every response to an allowed origin carries `Access-Control-Allow-Origin` (errors
 * too, so a page can read a 401 or a 429), and a preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) is answered here with 204, or 403 naming the origin. The
 * headers are built once; a request costs one set lookup. CORS is the browser's check: a request
 * from an origin not listed is still served, its page just cannot read the answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CorsConfig } from "../config/cors.ts";

export interface Cors {
  /** Adds the CORS headers for the request's origin, when it is allowed. */
  apply(req: IncomingMessage, res: ServerResponse): void;
  /** True for a CORS preflight, which `answerPreflight` serves. */
  isPreflight(req: IncomingMessage): boolean;
  /** 204 with what may be sent, for an allowed origin; false when the origin is not allowed (the caller refuses it). */
  answerPreflight(req: IncomingMessage, res: ServerResponse): boolean;
}

/** A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. */
export function isPreflight(req: IncomingMessage): boolean {
  return req.method === "OPTIONS" && req.headers.origin !== undefined && req.headers["access-control-request-method"] !== undefined;
}

/** Undefined when no origin is configured: then no CORS header is ever sent. */
export function createCors(config: CorsConfig): Cors | undefined {
  if (config.origins.length === 0) return undefined;
  const anyOrigin = config.origins.includes("*");
  const listed = new Set(config.origins);
  const allowed = (origin: string | undefined): origin is string => origin !== undefined && (anyOrigin || listed.has(origin.toLowerCase()));
  const expose = config.exposeHeaders.join(", ");
  const preflightHeaders = {
    "access-control-allow-methods": "GET, POST",
    "access-control-allow-headers": config.allowHeaders.join(", "),
    "access-control-max-age": String(config.maxAgeSeconds),
  };

  const setOrigin = (origin: string, res: ServerResponse) => {
    // A fixed "*" needs no Vary; an echoed origin does, or a cache would serve it to another origin.
    if (anyOrigin && !config.credentials) {
      res.setHeader("access-control-allow-origin", "*");
    } else {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "Origin");
    }
    if (config.credentials) res.setHeader("access-control-allow-credentials", "true");
  };

  return {
    apply(req, res) {
      const origin = req.headers.origin;
      if (!allowed(origin)) return;
      setOrigin(origin, res);
      if (expose) res.setHeader("access-control-expose-headers", expose);
    },
    isPreflight,
    answerPreflight(req, res) {
      const origin = req.headers.origin;
      if (!allowed(origin)) return false;
      setOrigin(origin, res);
      res.writeHead(204, preflightHeaders);
      res.end();
      return true;
    },
  };
}
