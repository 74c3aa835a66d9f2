/**
 * Opens the per-request context a transport hands the pipeline: id, logger, headers, client
 * address, the credentials to verify, the deadline and the telemetry record. Aborts on client
 * disconnect (AbortError) or at the deadline (TimeoutError).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logging/logger.ts";
import type { ClientAddressOf } from "./client-address.ts";
import { anonymous, type RequestContext } from "./context.ts";
import { bindContext, recordOfResponse } from "../telemetry/request-record.ts";

export interface ContextOptions {
  logger: Logger;
  clientAddressOf: ClientAddressOf;
  /** Whole-request deadline; undefined for long-lived streams (they end on their own terms). */
  requestTimeoutMs: number | undefined;
}

export function openRequestContext(req: IncomingMessage, res: ServerResponse, requestId: string, options: ContextOptions, bindings: Record<string, unknown> = {}): RequestContext {
  // One controller and a plain timer: AbortSignal.any + AbortSignal.timeout cost several times more per request.
  const abort = new AbortController();
  const deadline =
    options.requestTimeoutMs === undefined
      ? undefined
      : setTimeout(() => abort.abort(new DOMException(`request deadline of ${options.requestTimeoutMs} ms passed`, "TimeoutError")), options.requestTimeoutMs);
  deadline?.unref();
  res.once("close", () => {
    clearTimeout(deadline);
    if (!res.writableFinished) abort.abort();
  });
  const authorization = req.headers.authorization;
  const context: RequestContext = {
    requestId,
    logger: options.logger.child({ requestId, ...bindings }),
    headers: req.headers,
    clientAddress: options.clientAddressOf(req),
    authorization,
    signal: abort.signal,
    startedAt: performance.now(),
    principal: anonymous,
    telemetry: recordOfResponse(res),
  };
  bindContext(context);
  return context;
}
