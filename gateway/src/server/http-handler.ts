/**
 * The HTTP edge: turns a Node request into Apollo Server's neutral `HTTPGraphQLRequest`, so no
 * policy imports the HTTP framework. Faults found here (wrong method, wrong content type,
 * oversized or malformed body) are answered with GraphQL-shaped JSON and a 4xx before Apollo
 * Server is involved.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from "@apollo/server";
import { errorBody, errorCodes, type ErrorCode } from "../errors/codes.ts";
import type { Logger } from "../logging/logger.ts";
import { readBody } from "./body.ts";
import type { ClientAddressOf } from "./client-address.ts";
import { appendVary, compress, negotiateEncoding } from "./compression.ts";
import type { Cors } from "./cors.ts";
import { anonymous, requestIdFrom, type Principal, type RequestContext } from "./context.ts";
import { sendJson, type RouteHandler } from "./routes.ts";
import { resolvePersistedBody, resolvePersistedSearch, type PersistedOperations } from "../hardening/persisted-operations.ts";
import { bindContext, recordEdgeError, recordOfResponse } from "../telemetry/request-record.ts";
import { acceptsEventStream } from "../subscriptions/sse-handler.ts";

export interface HttpHandlerOptions {
  apollo: () => ApolloServer<RequestContext>;
  logger: Logger;
  graphqlPath: string;
  bodyLimitBytes: number;
  /** How long a request body may take to arrive in full. */
  bodyTimeoutMs: number;
  routes: ReadonlyMap<string, RouteHandler>;
  /** Whole-request deadline: past it the context's signal aborts every subgraph fetch. */
  requestTimeoutMs: number;
  batching: { enabled: boolean; maxOperations: number };
  /** Persisted operations from a manifest, when configured. */
  persisted?: PersistedOperations | undefined;
  /** True once shutdown began: new requests get 503. */
  isDraining: () => boolean;
  /** Serves GraphQL over SSE (`Accept: text/event-stream`); absent: such requests go to Apollo Server like any other. */
  eventStream?: (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;
  /** The client's address (the socket's peer, or from X-Forwarded-For behind trusted proxies). */
  clientAddressOf: ClientAddressOf;
  /** Answers of at least `minBytes` are compressed when the client accepts it; absent: never. */
  compression?: { minBytes: number } | undefined;
  /** CORS for browser apps on other origins (server/cors.ts); absent: no CORS header is sent. */
  cors?: Cors | undefined;
  /** Verifies the caller's credentials (auth/authenticate.ts); absent: every caller is anonymous. */
  authenticate?: (headers: IncomingHttpHeaders) => Promise<
    | { kind: "authenticated"; principal: Principal }
    | { kind: "refused"; code: ErrorCode; message: string; headers: Record<string, string> }
  >;
}

export function createHttpHandler(options: HttpHandlerOptions) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = requestIdFrom(req.headers);
    res.setHeader("x-request-id", requestId);
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const rawSearch = q === -1 ? "" : url.slice(q);

    // CORS first, so a browser page can read every answer below, refusals included.
    if (options.cors && path === options.graphqlPath) {
      if (options.cors.isPreflight(req)) {
        if (options.cors.answerPreflight(req, res)) return;
        return fail(res, "CORS_ORIGIN_NOT_ALLOWED", `Origin ${req.headers.origin} may not call this gateway from a browser; list it in server.cors.origins`);
      }
      options.cors.apply(req, res);
    }

    if (options.isDraining()) {
      res.setHeader("connection", "close");
      return fail(res, "SHUTTING_DOWN", "The gateway is shutting down; retry on another instance", { "retry-after": "1" });
    }
    if (path !== options.graphqlPath) {
      const route = options.routes.get(path);
      if (route) return route(req, res);
      return fail(res, "NOT_FOUND", `No route for ${path}; GraphQL is served at ${options.graphqlPath}`);
    }

    const method = req.method ?? "GET";
    if (method !== "GET" && method !== "POST" && method !== "HEAD") {
      return fail(res, "METHOD_NOT_ALLOWED", `Method ${method} is not allowed on ${options.graphqlPath}; use POST (or GET for queries)`, { allow: "GET, POST" });
    }
    // Subscriptions over Server-Sent Events: their own body, auth and limits (subscriptions/sse-handler.ts).
    if (options.eventStream && method !== "HEAD" && acceptsEventStream(req.headers.accept)) {
      return options.eventStream(req, res, requestId);
    }

    let body: unknown = undefined;
    if (method === "POST") {
      const contentType = (req.headers["content-type"] ?? "").toLowerCase();
      const mediaType = contentType.split(";")[0]!.trim();
      if (mediaType !== "application/json" && mediaType !== "application/graphql-response+json") {
        req.resume();
        return fail(
          res,
          "UNSUPPORTED_MEDIA_TYPE",
          mediaType ? `Content-Type "${mediaType}" is not supported; send application/json` : "Missing Content-Type header; send application/json",
        );
      }
      const contentEncoding = req.headers["content-encoding"]?.trim().toLowerCase();
      if (contentEncoding && contentEncoding !== "identity") {
        req.resume();
        return fail(res, "UNSUPPORTED_MEDIA_TYPE", `Content-Encoding "${contentEncoding}" is not supported for request bodies; send the body uncompressed`);
      }
      const read = await readBody(req, options.bodyLimitBytes, options.bodyTimeoutMs);
      switch (read.kind) {
        case "aborted":
          return; // the client is gone; nothing to answer
        case "too-large":
          res.setHeader("connection", "close");
          return fail(res, "PAYLOAD_TOO_LARGE", `Request body exceeds the limit of ${read.limit} bytes`);
        case "timeout":
          res.setHeader("connection", "close");
          return fail(res, "REQUEST_BODY_TIMEOUT", `Request body did not arrive within ${read.timeoutMs} ms`);
        case "ok":
          break;
      }
      if (read.text.trim() === "") {
        return fail(res, "EMPTY_BODY", 'Request body is empty; send a JSON object such as {"query": "{ __typename }"}');
      }
      try {
        body = JSON.parse(read.text);
      } catch (e) {
        return fail(res, "INVALID_JSON", `Request body is not valid JSON: ${(e as Error).message}`);
      }
      if (body === null || typeof body !== "object") {
        return fail(res, "BAD_REQUEST", "Request body must be a JSON object (or an array for a batch)");
      }
      if (Array.isArray(body)) {
        if (!options.batching.enabled) return fail(res, "BATCHING_DISABLED", "Batched operations are not accepted here; send one operation per request");
        if (body.length === 0 || body.length > options.batching.maxOperations) {
          return fail(res, "BATCH_TOO_LARGE", `A batch holds 1 to ${options.batching.maxOperations} operations; this one has ${body.length}`);
        }
        const bad = body.findIndex((op: unknown) => op === null || typeof op !== "object" || Array.isArray(op));
        if (bad !== -1) return fail(res, "BAD_REQUEST", `Batch element ${bad} must be a JSON object such as {"query": "{ __typename }"}`);
      } else if (Object.keys(body).length === 0) {
        return fail(res, "BAD_REQUEST", 'Request body is an empty JSON object; send {"query": "..."} (and "variables", "operationName" as needed)');
      }
    }

    let search = rawSearch;
    if (options.persisted) {
      const resolved = method === "POST" ? resolvePersistedBody(options.persisted, body) : resolvePersistedSearch(options.persisted, rawSearch);
      if (resolved.kind === "refused") return fail(res, resolved.code, resolved.message);
      if (method === "POST") body = resolved.value;
      else search = resolved.value as string;
    }

    // Authentication happens here, before Apollo Server: a bad token is refused (401), never downgraded to anonymous.
    let principal: Principal = anonymous;
    if (options.authenticate) {
      const outcome = await options.authenticate(req.headers);
      if (outcome.kind === "refused") return fail(res, outcome.code, outcome.message, outcome.headers);
      principal = outcome.principal;
    }

    // Aborts on client disconnect (AbortError) or when the deadline passes (TimeoutError). One
    // controller and a plain timer: AbortSignal.any + AbortSignal.timeout cost several times more per request.
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(new DOMException(`request deadline of ${options.requestTimeoutMs} ms passed`, "TimeoutError")), options.requestTimeoutMs);
    deadline.unref();
    res.once("close", () => {
      clearTimeout(deadline);
      if (!res.writableFinished) abort.abort();
    });
    const signal = abort.signal;
    const context: RequestContext = {
      requestId,
      logger: options.logger.child({ requestId }),
      headers: req.headers,
      clientAddress: options.clientAddressOf(req),
      signal,
      startedAt: performance.now(),
      principal,
      telemetry: recordOfResponse(res),
    };
    bindContext(context);

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: method === "HEAD" ? "GET" : method, headers, search, body };

    try {
      const result = await options.apollo().executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => context });
      for (const [name, value] of result.headers) res.setHeader(name, value);
      res.statusCode = result.status ?? 200;
      if (result.body.kind === "complete") {
        await sendComplete(req, res, result.body.string, options.compression);
      } else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } catch (e) {
      context.logger.error({ err: e }, "unhandled error while serving a GraphQL request");
      if (!res.headersSent) fail(res, "INTERNAL_SERVER_ERROR", `Internal error (request id ${requestId})`);
      else res.destroy();
    }
  };
}

/** Sends a whole answer, compressed when it is large enough and the client accepts it. */
async function sendComplete(req: IncomingMessage, res: ServerResponse, text: string, compression: { minBytes: number } | undefined): Promise<void> {
  if (!compression) return void res.end(text);
  // Caches must know the answer depends on Accept-Encoding, compressed this time or not.
  appendVary(res, "Accept-Encoding");
  const encoding = text.length >= compression.minBytes ? negotiateEncoding(req.headers["accept-encoding"]) : undefined;
  if (!encoding) return void res.end(text);
  const bytes = await compress(text, encoding);
  res.setHeader("content-encoding", encoding);
  res.setHeader("content-length", bytes.length);
  res.end(bytes);
}

function fail(res: ServerResponse, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  recordEdgeError(res, code);
  sendJson(res, errorCodes[code], errorBody(code, message), headers);
}
