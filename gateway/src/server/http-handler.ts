/**
 * The HTTP transport: GraphQL over HTTP (POST with a JSON body, GET with query parameters, JSON
 * array batches) on the GraphQL path, and the other routes of the gateway port. It checks what is
 * HTTP's own (CORS, method, media types, body size and deadline, JSON, CSRF), turns each
 * operation into the neutral `OperationRequest`, runs it through the operation pipeline, and
 * frames the answer: status by the GraphQL-over-HTTP rules, the media type the client accepts,
 * compression. Nothing here decides policy.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorBody, errorCodes, type ErrorCode } from "../errors/codes.ts";
import type { Logger } from "../logging/logger.ts";
import type { Execute } from "../execution/gateway-executor.ts";
import { operationRequestFrom, type OperationRequest, type RequestShapeFault } from "../pipeline/operation-request.ts";
import { runOperation } from "../pipeline/run-operation.ts";
import type { OperationAnswer, OperationPipeline } from "../pipeline/pipeline.ts";
import { recordEdgeError, recordResult } from "../telemetry/request-record.ts";
import { readBody } from "./body.ts";
import type { ClientAddressOf } from "./client-address.ts";
import { sendCompressible } from "./compression.ts";
import { isPreflight, type Cors } from "./cors.ts";
import { requestIdFrom, type RequestContext } from "./context.ts";
import { negotiateMediaType, statusFor } from "./graphql-over-http.ts";
import type { LandingPage } from "./landing-page.ts";
import { openRequestContext } from "./request-context.ts";
import { sendJson, type RouteHandler } from "./routes.ts";
import { serializeResult } from "./serialize-result.ts";
import { acceptsMultipart, sendMultipart } from "./multipart.ts";
import { acceptsEventStream } from "../subscriptions/sse-handler.ts";
import type { RestHandler } from "../rest/rest-handler.ts";

export interface HttpHandlerOptions {
  pipeline: OperationPipeline;
  execute: Execute;
  logger: Logger;
  graphqlPath: string;
  bodyLimitBytes: number;
  /** How long a request body may take to arrive in full. */
  bodyTimeoutMs: number;
  routes: ReadonlyMap<string, RouteHandler>;
  /** Whole-request deadline: past it the context's signal aborts every subgraph fetch. */
  requestTimeoutMs: number;
  batching: { enabled: boolean; maxOperations: number };
  /** True once shutdown began: new requests get 503. */
  isDraining: () => boolean;
  /** Serves GraphQL over SSE (`Accept: text/event-stream`); absent: such requests are answered as plain requests. */
  eventStream?: (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;
  /** The client's address (the socket's peer, or from X-Forwarded-For behind trusted proxies). */
  clientAddressOf: ClientAddressOf;
  /** Answers of at least `minBytes` are compressed when the client accepts it; absent: never. */
  compression?: { minBytes: number } | undefined;
  /** CORS for browser apps on other origins (server/cors.ts); absent: no CORS header is sent. */
  cors?: Cors | undefined;
  /** Refuse GET requests a browser could send cross-site without a preflight (`server.csrfPrevention`). */
  csrfPrevention: boolean;
  /** REST endpoints of trusted operations under `basePath`; absent: none. */
  rest?: { basePath: string; handle: RestHandler } | undefined;
  /** The page a browser gets for a GET without a query; absent: none. */
  landingPage?: LandingPage | undefined;
}

/** Headers a browser cannot add to a cross-site request without a CORS preflight. */
const preflightHeaders = ["apollo-require-preflight", "x-apollo-operation-name", "graphql-preflight"];

export function createHttpHandler(options: HttpHandlerOptions) {
  const contextOptions = { logger: options.logger, clientAddressOf: options.clientAddressOf, requestTimeoutMs: options.requestTimeoutMs };

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = requestIdFrom(req.headers);
    res.setHeader("x-request-id", requestId);
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const rawSearch = q === -1 ? "" : url.slice(q + 1);

    // `/graphql/` is the same endpoint: clients and proxies add the slash.
    const onGraphqlPath = path === options.graphqlPath || path === `${options.graphqlPath}/`;
    const rest = options.rest && path.startsWith(`${options.rest.basePath}/`) ? options.rest : undefined;

    // CORS first, so a browser page can read every answer below, refusals included. With no
    // origin configured every preflight is refused the same way, not answered as a bad method.
    if (onGraphqlPath || rest) {
      if (isPreflight(req)) {
        if (options.cors?.answerPreflight(req, res)) return;
        return fail(res, "CORS_ORIGIN_NOT_ALLOWED", `Origin ${req.headers.origin} may not call this gateway from a browser; list it in server.cors.origins`);
      }
      options.cors?.apply(req, res);
    }

    if (options.isDraining()) {
      res.setHeader("connection", "close");
      return fail(res, "SHUTTING_DOWN", "The gateway is shutting down; retry on another instance", { "retry-after": "1" });
    }
    if (rest) return rest.handle(req, res, requestId, path, rawSearch);
    if (!onGraphqlPath) {
      const route = options.routes.get(path);
      if (route) return route(req, res);
      return fail(res, "NOT_FOUND", `No route for ${path}; GraphQL is served at ${options.graphqlPath}`);
    }

    const method = req.method ?? "GET";
    if (method !== "GET" && method !== "POST" && method !== "HEAD") {
      return fail(res, "METHOD_NOT_ALLOWED", `Method ${method} is not allowed on ${options.graphqlPath}; use POST (or GET for queries)`, { allow: "GET, POST" });
    }
    if (options.eventStream && method !== "HEAD" && acceptsEventStream(req.headers.accept)) {
      return options.eventStream(req, res, requestId);
    }
    // `@defer` is honoured only for a client that reads multipart/mixed, and never in a batch.
    const multipart = acceptsMultipart(req.headers.accept);
    const mediaType = negotiateMediaType(req.headers.accept) ?? (multipart ? "application/json" : undefined);
    if (method !== "POST" && options.landingPage && rawSearch === "" && prefersHtml(req.headers.accept)) {
      const html = await options.landingPage();
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(html) });
      return void res.end(method === "HEAD" ? undefined : html);
    }
    if (!mediaType) {
      return fail(res, "NOT_ACCEPTABLE", "Accept names no media type this endpoint answers in; accept application/graphql-response+json or application/json");
    }

    let operations: Array<OperationRequest | RequestShapeFault>;
    let batch = false;
    if (method === "POST") {
      const read = await readOperations(req, options);
      if (read.kind === "fault") return fail(res, read.code, read.message, read.headers);
      if (read.kind === "aborted") return;
      operations = read.operations;
      batch = read.batch;
      if (multipart && !batch) operations = operations.map((o) => ("kind" in o ? o : { ...o, incremental: true }));
    } else {
      if (options.csrfPrevention && !preflightHeaders.some((h) => req.headers[h] !== undefined)) {
        return fail(
          res,
          "CSRF_PREVENTED",
          "This GET request could have been sent by a page on another site, so it is refused: send the header apollo-require-preflight: true (any value), or POST the operation with Content-Type: application/json",
        );
      }
      const params = new URLSearchParams(rawSearch);
      const fields: Record<string, unknown> = {};
      for (const [key, value] of params) fields[key] = value;
      const built = operationRequestFrom(fields, "http-get");
      if ("kind" in built) return fail(res, built.code, built.message);
      operations = [multipart ? { ...built, incremental: true } : built];
    }

    const context = openRequestContext(req, res, requestId, contextOptions);
    try {
      const answers: OperationAnswer[] = [];
      for (const operation of operations) answers.push(await runOperation(options.pipeline, options.execute, operation, context));
      const streamed = !batch ? answers[0]!.subsequent : undefined;
      if (streamed) {
        recordResult(context, answers[0]!.body);
        for (const [name, value] of Object.entries(answers[0]!.headers)) res.setHeader(name, value);
        return await sendMultipart(res, serializeResult(answers[0]!.body), streamed);
      }
      const body = batch ? `[${answers.map((a) => serializeResult(a.body)).join(",")}]` : serializeResult(answers[0]!.body);
      recordResult(context, batch ? { errors: answers.flatMap((a) => a.body.errors ?? []) } : answers[0]!.body);
      const status = batch ? 200 : statusFor(answers[0]!.status, answers[0]!.body.errors?.[0]?.extensions?.code, mediaType);
      for (const answer of answers) for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      res.statusCode = status;
      res.setHeader("content-type", `${mediaType}; charset=utf-8`);
      await sendCompressible(req, res, method === "HEAD" ? "" : body, options.compression);
    } catch (e) {
      context.logger.error({ err: e }, "unhandled error while serving a GraphQL request");
      if (!res.headersSent) fail(res, "INTERNAL_SERVER_ERROR", `Internal error (request id ${requestId})`);
      else res.destroy();
    }
  };
}

type ReadOutcome =
  | { kind: "ok"; operations: Array<OperationRequest | RequestShapeFault>; batch: boolean }
  | { kind: "fault"; code: ErrorCode; message: string; headers?: Record<string, string> }
  | { kind: "aborted" };

async function readOperations(req: IncomingMessage, options: HttpHandlerOptions): Promise<ReadOutcome> {
  const contentType = (req.headers["content-type"] ?? "").toLowerCase();
  const mediaType = contentType.split(";")[0]!.trim();
  if (mediaType !== "application/json" && mediaType !== "application/graphql-response+json") {
    req.resume();
    return {
      kind: "fault",
      code: "UNSUPPORTED_MEDIA_TYPE",
      message: mediaType ? `Content-Type "${mediaType}" is not supported; send application/json` : "Missing Content-Type header; send application/json",
    };
  }
  const contentEncoding = req.headers["content-encoding"]?.trim().toLowerCase();
  if (contentEncoding && contentEncoding !== "identity") {
    req.resume();
    return { kind: "fault", code: "UNSUPPORTED_MEDIA_TYPE", message: `Content-Encoding "${contentEncoding}" is not supported for request bodies; send the body uncompressed` };
  }
  const read = await readBody(req, options.bodyLimitBytes, options.bodyTimeoutMs);
  switch (read.kind) {
    case "aborted":
      return { kind: "aborted" }; // the client is gone; nothing to answer
    case "too-large":
      return { kind: "fault", code: "PAYLOAD_TOO_LARGE", message: `Request body exceeds the limit of ${read.limit} bytes`, headers: { connection: "close" } };
    case "timeout":
      return { kind: "fault", code: "REQUEST_BODY_TIMEOUT", message: `Request body did not arrive within ${read.timeoutMs} ms`, headers: { connection: "close" } };
    case "ok":
      break;
  }
  if (read.text.trim() === "") return { kind: "fault", code: "EMPTY_BODY", message: 'Request body is empty; send a JSON object such as {"query": "{ __typename }"}' };
  let body: unknown;
  try {
    body = JSON.parse(read.text);
  } catch (e) {
    return { kind: "fault", code: "INVALID_JSON", message: `Request body is not valid JSON: ${(e as Error).message}` };
  }
  if (body === null || typeof body !== "object") return { kind: "fault", code: "BAD_REQUEST", message: "Request body must be a JSON object (or an array for a batch)" };
  if (!Array.isArray(body)) {
    if (Object.keys(body).length === 0) {
      return { kind: "fault", code: "BAD_REQUEST", message: 'Request body is an empty JSON object; send {"query": "..."} (and "variables", "operationName" as needed)' };
    }
    const built = operationRequestFrom(body as Record<string, unknown>, "http-post");
    if ("kind" in built) return built;
    return { kind: "ok", operations: [built], batch: false };
  }
  if (!options.batching.enabled) return { kind: "fault", code: "BATCHING_DISABLED", message: "Batched operations are not accepted here; send one operation per request" };
  if (body.length === 0) return { kind: "fault", code: "BAD_REQUEST", message: "The batch is empty; send at least one operation in the array" };
  if (body.length > options.batching.maxOperations) {
    return { kind: "fault", code: "BATCH_TOO_LARGE", message: `A batch holds 1 to ${options.batching.maxOperations} operations; this one has ${body.length}` };
  }
  const operations: Array<OperationRequest | RequestShapeFault> = [];
  for (let i = 0; i < body.length; i++) {
    const element: unknown = body[i];
    if (element === null || typeof element !== "object" || Array.isArray(element)) {
      operations.push({ kind: "fault", code: "BAD_REQUEST", message: `Batch element ${i} must be a JSON object such as {"query": "{ __typename }"}` });
      continue;
    }
    const built = operationRequestFrom(element as Record<string, unknown>, "http-post");
    operations.push("kind" in built ? { ...built, message: `Batch element ${i}: ${built.message}` } : built);
  }
  return { kind: "ok", operations, batch: true };
}

/** A browser navigating to the endpoint: it names text/html before any JSON type. */
function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = accept.indexOf("text/html");
  if (html === -1) return false;
  const json = accept.search(/application\/(graphql-response\+)?json/);
  return json === -1 || html < json;
}

/** Sends a whole answer, compressed when it is large enough and the client accepts it. */
function fail(res: ServerResponse, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  recordEdgeError(res, code);
  const requestId = String(res.getHeader("x-request-id") ?? "");
  sendJson(res, errorCodes[code], errorBody(code, message, requestId ? { requestId } : {}), headers);
}
