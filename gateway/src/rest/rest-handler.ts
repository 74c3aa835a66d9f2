/**
 * The REST transport: endpoints declared on trusted operations (rest/endpoints.ts) under
 * `operations.rest.basePath`, and their OpenAPI document at `<basePath>/openapi.json`. Each
 * request becomes a neutral `OperationRequest` (the manifest entry's id and text, variables from
 * the path, query string and JSON body) and runs through the same operation pipeline as
 * /graphql: authentication from `Authorization`, authorization, cost and rate limits (429 +
 * Retry-After), telemetry. What is the transport's own: the route, the variables, the status
 * and problem body, and for GET answers an ETag with `If-None-Match` revalidation (304).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Execute } from "../execution/gateway-executor.ts";
import { operationRequestFrom } from "../pipeline/operation-request.ts";
import type { OperationPipeline } from "../pipeline/pipeline.ts";
import { runOperation } from "../pipeline/run-operation.ts";
import { readBody } from "../server/body.ts";
import type { ContextOptions } from "../server/request-context.ts";
import { openRequestContext } from "../server/request-context.ts";
import { recordEdgeError, recordResult } from "../telemetry/request-record.ts";
import { problem, restResponse, type RestResponse } from "./answer.ts";
import { matchEndpoint, type Endpoint } from "./endpoints.ts";
import { endpointVariables, hasBody } from "./variables.ts";
import { docsPage } from "./docs-page.ts";
import { sendCompressible } from "../server/compression.ts";

export interface RestHandlerOptions {
  readonly endpoints: readonly Endpoint[];
  readonly basePath: string;
  readonly pipeline: OperationPipeline;
  readonly execute: Execute;
  readonly context: ContextOptions;
  readonly bodyLimitBytes: number;
  readonly bodyTimeoutMs: number;
  /** `Cache-Control` of GET answers (they depend on the caller, so private by default). */
  readonly cacheControl: string;
  /** The OpenAPI document (JSON text) for the current supergraph. */
  readonly openApi: () => string | undefined;
  /** Answers of at least `minBytes` are compressed when the client accepts it (`server.compression`); absent: never. */
  readonly compression?: { minBytes: number } | undefined;
}

export type RestHandler = (req: IncomingMessage, res: ServerResponse, requestId: string, path: string, search: string) => Promise<void>;

export function createRestHandler(options: RestHandlerOptions): RestHandler {
  return async (req, res, requestId, path, search) => {
    const method = (req.method ?? "GET").toUpperCase();
    if (path === `${options.basePath}/openapi.json`) {
      if (method !== "GET" && method !== "HEAD") return send(res, problem(405, [error("METHOD_NOT_ALLOWED", "The OpenAPI document is read with GET")], { allow: "GET" }));
      const text = options.openApi();
      if (!text) return send(res, problem(503, [error("SERVICE_UNAVAILABLE", "The supergraph is not loaded yet; retry shortly")], { "retry-after": "1" }));
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
      return void res.end(method === "HEAD" ? undefined : text);
    }
    if (path === `${options.basePath}/docs` || path === `${options.basePath}/docs/`) {
      if (method !== "GET" && method !== "HEAD") return send(res, problem(405, [error("METHOD_NOT_ALLOWED", "The documentation page is read with GET")], { allow: "GET" }));
      // Relative links (openapi.json) resolve beside the page only without a trailing slash.
      if (path.endsWith("/")) {
        res.writeHead(308, { location: `${options.basePath}/docs` });
        return void res.end();
      }
      const html = docsPage(options.basePath);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(html), "cache-control": "no-cache" });
      return void res.end(method === "HEAD" ? undefined : html);
    }
    const matched = matchEndpoint(options.endpoints, method === "HEAD" ? "GET" : method, path);
    if (!matched) return send(res, problem(404, [error("NOT_FOUND", `No endpoint at ${path}; the endpoints are listed in ${options.basePath}/openapi.json`)]));
    if ("allowed" in matched) return send(res, problem(405, [error("METHOD_NOT_ALLOWED", `${method} is not served at ${path}; use ${matched.allowed.join(" or ")}`)], { allow: matched.allowed.join(", ") }));
    const { endpoint, params } = matched;

    let body: Record<string, unknown> | undefined;
    if (hasBody(endpoint.method)) {
      const read = await readJsonObject(req, options);
      if (read.kind === "aborted") return;
      if (read.kind === "fault") return send(res, problem(read.status, [error(read.code, read.message)], read.status === 413 || read.status === 408 ? { connection: "close" } : {}));
      body = read.body;
    } else {
      req.resume();
    }
    const variables = endpointVariables(endpoint, params, new URLSearchParams(search), body);
    if (variables.kind === "fault") return send(res, problem(400, [{ message: variables.message, extensions: { code: "BAD_USER_INPUT", parameter: variables.parameter } }]));
    const request = operationRequestFrom({ query: endpoint.body, operationName: endpoint.operationName, variables: variables.variables }, "rest");
    if ("kind" in request) return send(res, problem(400, [error(request.code, request.message)]));

    const context = openRequestContext(req, res, requestId, options.context);
    const answer = await runOperation(options.pipeline, options.execute, request, context);
    recordResult(context, answer.body);
    const response = restResponse(endpoint, answer, context.principal.kind !== "anonymous");
    if (response.status === 200 && endpoint.method === "GET") {
      const text = JSON.stringify(response.body);
      const etag = `"${createHash("sha256").update(text).digest("base64url").slice(0, 27)}"`;
      const headers = { ...response.headers, etag, "cache-control": options.cacheControl, vary: "Authorization" };
      if (matchesEtag(req.headers["if-none-match"], etag)) {
        res.writeHead(304, headers);
        return void res.end();
      }
      res.statusCode = 200;
      for (const [name, value] of Object.entries({ ...headers, "content-type": "application/json; charset=utf-8" })) res.setHeader(name, value);
      if (method === "HEAD") {
        res.setHeader("content-length", Buffer.byteLength(text));
        return void res.end();
      }
      return sendCompressible(req, res, text, options.compression);
    }
    send(res, response);
  };
}

const error = (code: string, message: string) => ({ message, extensions: { code } });

function send(res: ServerResponse, response: RestResponse): void {
  const body = response.body as { code?: unknown; requestId?: unknown };
  if (response.status >= 400 && typeof body.code === "string") recordEdgeError(res, body.code);
  const requestId = String(res.getHeader("x-request-id") ?? "");
  const withId = response.contentType === "application/problem+json" && requestId && body.requestId === undefined ? { ...(response.body as object), requestId } : response.body;
  const text = JSON.stringify(withId);
  res.writeHead(response.status, { ...response.headers, "content-type": `${response.contentType}; charset=utf-8`, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** RFC 9110: a list of entity tags, or `*`; weak tags compare equal to strong ones for GET. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

type JsonRead = { kind: "ok"; body: Record<string, unknown> | undefined } | { kind: "fault"; status: number; code: string; message: string } | { kind: "aborted" };

async function readJsonObject(req: IncomingMessage, options: RestHandlerOptions): Promise<JsonRead> {
  const read = await readBody(req, options.bodyLimitBytes, options.bodyTimeoutMs);
  if (read.kind === "aborted") return read;
  if (read.kind === "too-large") return { kind: "fault", status: 413, code: "PAYLOAD_TOO_LARGE", message: `Request body exceeds the limit of ${read.limit} bytes` };
  if (read.kind === "timeout") return { kind: "fault", status: 408, code: "REQUEST_BODY_TIMEOUT", message: `Request body did not arrive within ${read.timeoutMs} ms` };
  if (read.text.trim() === "") return { kind: "ok", body: undefined };
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json") return { kind: "fault", status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "Send the request body as application/json" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text);
  } catch (e) {
    return { kind: "fault", status: 400, code: "INVALID_JSON", message: `Request body is not valid JSON: ${(e as Error).message}` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { kind: "fault", status: 400, code: "BAD_REQUEST", message: "Request body must be a JSON object of the endpoint's parameters" };
  return { kind: "ok", body: parsed as Record<string, unknown> };
}
