/**
 * The HTTP edge: turns a Node request into Apollo Server's neutral `HTTPGraphQLRequest`, so no
 * policy imports the HTTP framework. Faults found here (wrong method, wrong content type,
 * oversized or malformed body) are answered with GraphQL-shaped JSON and a 4xx before Apollo
 * Server is involved.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from "@apollo/server";
import { errorBody, errorCodes, type ErrorCode } from "../errors/codes.ts";
import type { Logger } from "../logging/logger.ts";
import { readBody } from "./body.ts";
import { anonymous, requestIdFrom, type RequestContext } from "./context.ts";
import { sendJson, type RouteHandler } from "./routes.ts";

export interface HttpHandlerOptions {
  apollo: () => ApolloServer<RequestContext>;
  logger: Logger;
  graphqlPath: string;
  bodyLimitBytes: number;
  routes: ReadonlyMap<string, RouteHandler>;
  /** True once shutdown began: new requests get 503. */
  isDraining: () => boolean;
}

export function createHttpHandler(options: HttpHandlerOptions) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = requestIdFrom(req.headers);
    res.setHeader("x-request-id", requestId);
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? "" : url.slice(q);

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
      const read = await readBody(req, options.bodyLimitBytes);
      switch (read.kind) {
        case "aborted":
          return; // the client is gone; nothing to answer
        case "too-large":
          res.setHeader("connection", "close");
          return fail(res, "PAYLOAD_TOO_LARGE", `Request body exceeds the limit of ${read.limit} bytes`);
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
    }

    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    const context: RequestContext = {
      requestId,
      logger: options.logger.child({ requestId }),
      headers: req.headers,
      clientAddress: req.socket.remoteAddress ?? "unknown",
      signal: abort.signal,
      startedAt: performance.now(),
      principal: anonymous,
    };

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
        res.end(result.body.string);
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

function fail(res: ServerResponse, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, errorCodes[code], errorBody(code, message), headers);
}
