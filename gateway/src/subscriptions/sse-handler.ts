/**
 * The client-facing Server-Sent Events transport: GraphQL over SSE in "distinct connections"
 * mode. A GET (`?query=…&variables=…`) or POST (JSON body) to the GraphQL path with
 * `Accept: text/event-stream` starts one subscription (or runs one query or mutation, whose answer
 * and `@defer` parts are the events); each result is an `event: next`, the end an `event: complete`. Faults found before the stream starts (bad token, bad document, limits)
 * are answered as the rest of the edge answers them: JSON with a code and a 4xx. Once streaming,
 * an ending error (TOKEN_EXPIRED, SUBGRAPH_UNAVAILABLE) is a last `next` with `errors`, then
 * `complete`. Comment lines keep idle streams open through proxies.
 */
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FormattedExecutionResult } from "graphql";
import type { SubscriptionsConfig } from "../config/subscriptions.ts";
import { errorBody, errorCodes, type ErrorCode } from "../errors/codes.ts";
import type { Logger } from "../logging/logger.ts";
import { readBody } from "../server/body.ts";
import { operationRequestFrom, type OperationRequest } from "../pipeline/operation-request.ts";
import { openRequestContext } from "../server/request-context.ts";
import { sendJson } from "../server/routes.ts";
import { recordEdgeError, recordResult } from "../telemetry/request-record.ts";
import type { PushStream } from "./push-stream.ts";
import type { Subscribe } from "./subscribe.ts";
import type { ClientAddressOf } from "../server/client-address.ts";

export interface EventStreamOptions {
  subscribe: Subscribe;
  config: SubscriptionsConfig;
  logger: Logger;
  clientAddressOf: ClientAddressOf;
  /** How long a POSTed subscription body may take to arrive (`server.bodyTimeoutMs`). */
  bodyTimeoutMs: number;
}

export interface EventStreamHandler {
  (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void>;
  /** Open streams. */
  readonly streams: number;
  /** Ends every open stream with SHUTTING_DOWN. */
  close(): void;
}

/** True when the client asks for an event stream (the `Accept` header names text/event-stream). */
export function acceptsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);
}

type Params = { kind: "ok"; request: OperationRequest } | { kind: "fault"; code: ErrorCode; message: string };

export function createEventStreamHandler(options: EventStreamOptions): EventStreamHandler {
  const open = new Set<PushStream<FormattedExecutionResult>>();

  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const params = await readParams(req, options.config.maxMessageBytes, options.bodyTimeoutMs);
    if (params === undefined) return; // the client went away mid-body
    if (params.kind === "fault") return fail(res, params.code, params.message);

    const context = openRequestContext(req, res, requestId, { logger: options.logger, clientAddressOf: options.clientAddressOf, requestTimeoutMs: undefined }, { transport: "sse" });
    const logger = context.logger;
    const outcome = await options.subscribe(params.request, context);
    if (outcome.kind === "refused") {
      recordResult(context, outcome.answer.body);
      sendJson(res, outcome.answer.status, outcome.answer.body, outcome.answer.headers);
      return;
    }

    const { stream } = outcome;
    open.add(stream);
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    res.flushHeaders();
    const keepAlive = setInterval(() => res.write(":\n\n"), options.config.keepAliveMs);
    keepAlive.unref();
    res.once("close", () => void stream.return());
    try {
      for await (const result of stream) {
        if (!res.write(`event: next\ndata: ${JSON.stringify(result)}\n\n`)) await once(res, "drain");
      }
      if (!res.destroyed) res.end("event: complete\ndata:\n\n");
    } catch (e) {
      logger.debug({ err: e }, "event stream ended by a write failure");
      res.destroy();
    } finally {
      clearInterval(keepAlive);
      open.delete(stream);
    }
  };

  // A getter, not a copied value: the count changes as streams open and close.
  Object.defineProperty(handle, "streams", { get: () => open.size });
  return Object.assign(handle as typeof handle & { readonly streams: number }, {
    close: () => {
      for (const stream of open) stream.end({ errors: [{ message: "The gateway is shutting down; subscribe again", extensions: { code: "SHUTTING_DOWN" } }] });
    },
  });
}

async function readParams(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Params | undefined> {
  const method = req.method ?? "GET";
  let fields: Record<string, unknown>;
  if (method === "GET") {
    const url = new URL(req.url ?? "/", "http://gateway");
    fields = Object.fromEntries(url.searchParams);
  } else {
    if (method !== "POST") return { kind: "fault", code: "METHOD_NOT_ALLOWED", message: `Method ${method} is not allowed for an event stream; use GET or POST` };
    const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (mediaType !== "application/json") {
      req.resume();
      return { kind: "fault", code: "UNSUPPORTED_MEDIA_TYPE", message: "Send the subscription as application/json" };
    }
    const read = await readBody(req, limit, timeoutMs);
    if (read.kind === "aborted") return undefined;
    if (read.kind === "too-large") return { kind: "fault", code: "PAYLOAD_TOO_LARGE", message: `Request body exceeds the limit of ${read.limit} bytes` };
    if (read.kind === "timeout") return { kind: "fault", code: "REQUEST_BODY_TIMEOUT", message: `Request body did not arrive within ${read.timeoutMs} ms` };
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch (e) {
      return { kind: "fault", code: "INVALID_JSON", message: `Request body is not valid JSON: ${(e as Error).message}` };
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) return { kind: "fault", code: "BAD_REQUEST", message: "Request body must be a JSON object" };
    fields = body as Record<string, unknown>;
  }
  const request = operationRequestFrom(fields, "sse");
  // An event stream carries incremental delivery: a query's @defer parts are events of their own.
  return "kind" in request ? request : { kind: "ok", request: { ...request, incremental: true } };
}

function fail(res: ServerResponse, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  recordEdgeError(res, code);
  sendJson(res, errorCodes[code], errorBody(code, message), headers);
}
