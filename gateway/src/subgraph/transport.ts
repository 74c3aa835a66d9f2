/**
 * The HTTP transport to subgraph instances: one undici keep-alive pool per instance origin.
 * Replaces `@apollo/gateway`'s default fetch stack (make-fetch-happen), which measured at about
 * a third of the gateway's CPU per request.
 *
 * Two choices keep it lean on the path every fetch takes:
 * - Only undici's `Pool` module is loaded, not the package root, which also loads fetch,
 *   WebSocket, EventSource, the cache and the mock agent: 3 MB of live heap that a gateway
 *   under load then carries at twice its size between full collections.
 * - A fetch is one `dispatch` with a handler that collects the body (`FetchHandler`), instead of
 *   `pool.request`, which wraps every response in a Readable stream and an AsyncResource.
 */
import type { Dispatcher } from "undici";
import Pool from "undici/lib/dispatcher/pool.js";
import { SubgraphFetchError, type SubgraphRequest, type SubgraphResponse } from "./types.ts";
import { plainBody } from "./request-body.ts";

export interface TransportOptions {
  connectTimeoutMs: number;
  /** Per-fetch deadline, in ms; combined with the request's own signal. */
  timeoutMs: number;
  connections: number;
  /** Largest response body accepted; a larger one fails the fetch as `invalid-body`. */
  maxResponseBytes: number;
}

export class InstanceTransport {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(
    readonly url: string,
    private readonly options: TransportOptions,
  ) {
    const parsed = new URL(url);
    this.path = `${parsed.pathname}${parsed.search}`;
    this.pool = new Pool(parsed.origin, {
      connections: options.connections,
      connect: { timeout: options.connectTimeoutMs },
      keepAliveTimeout: 10_000,
      pipelining: 1,
      maxResponseSize: options.maxResponseBytes,
    });
  }

  async send(request: SubgraphRequest): Promise<SubgraphResponse> {
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const handler = new FetchHandler(this.options.timeoutMs, request.signal, resolve, (e, expired) => reject(this.classify(e, request, expired)));
      if (handler.done) return; // the caller had gone already: nothing is sent
      this.pool.dispatch({ path: this.path, method: "POST", headers: request.headers, body: request.bodyText ?? plainBody(request.body) }, handler);
    });
    let body: SubgraphResponse["body"];
    try {
      body = JSON.parse(text) as SubgraphResponse["body"];
    } catch {
      throw new SubgraphFetchError("invalid-body", request.subgraph, this.url, `subgraph "${request.subgraph}" returned a non-JSON body (HTTP ${status})`, status);
    }
    if (body === null || typeof body !== "object" || (!("data" in body) && !("errors" in body))) {
      throw new SubgraphFetchError("invalid-body", request.subgraph, this.url, `subgraph "${request.subgraph}" returned a body that is not a GraphQL response (HTTP ${status})`, status);
    }
    // A GraphQL response with a 4xx/5xx status is still a GraphQL response: keep its errors.
    // Only a 5xx without data is a failure the balancer should see.
    if (status >= 500 && (body.data === undefined || body.data === null)) {
      throw new SubgraphFetchError("status", request.subgraph, this.url, `subgraph "${request.subgraph}" answered HTTP ${status}`, status);
    }
    return { status, body, instance: this.url, text };
  }

  private classify(e: unknown, request: SubgraphRequest, expired: boolean): SubgraphFetchError {
    const sub = request.subgraph;
    const code = (e as { code?: unknown } | undefined)?.code;
    if (expired) return new SubgraphFetchError("timeout", sub, this.url, `subgraph "${sub}" timed out after ${this.options.timeoutMs} ms`, undefined, { cause: e });
    if (request.signal?.aborted) return new SubgraphFetchError("aborted", sub, this.url, `request to subgraph "${sub}" was cancelled`, undefined, { cause: e });
    if (code === "UND_ERR_CONNECT_TIMEOUT" || code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH") {
      return new SubgraphFetchError("connect", sub, this.url, `cannot connect to subgraph "${sub}"`, undefined, { cause: e });
    }
    if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
      return new SubgraphFetchError("timeout", sub, this.url, `subgraph "${sub}" timed out`, undefined, { cause: e });
    }
    if (code === "UND_ERR_RES_EXCEEDED_MAX_SIZE") {
      return new SubgraphFetchError("invalid-body", sub, this.url, `subgraph "${sub}" returned a response larger than ${this.options.maxResponseBytes} bytes`, undefined, { cause: e });
    }
    return new SubgraphFetchError("reset", sub, this.url, `connection to subgraph "${sub}" failed`, undefined, { cause: e });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * One fetch in flight, as undici's dispatch handler: collects the body and settles once (the
 * connectors' REST client uses it too). Its
 * deadline fires when the fetch's own time is up or the caller's signal aborts, whichever is
 * first; the promise settles then, even while undici still waits for a connection.
 */
export class FetchHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private status = 0;
  private readonly chunks: Buffer[] = [];
  private settled = false;
  private expired = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort: (() => void) | undefined;

  constructor(
    timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
    private readonly resolve: (result: { status: number; text: string }) => void,
    private readonly reject: (error: unknown, expired: boolean) => void,
  ) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.abort(new DOMException(`fetch deadline of ${timeoutMs} ms passed`, "TimeoutError"));
    }, timeoutMs);
    if (caller?.aborted) {
      this.abort(caller.reason);
    } else if (caller) {
      this.onCallerAbort = () => this.abort(caller.reason);
      caller.addEventListener("abort", this.onCallerAbort, { once: true });
    }
  }

  get done(): boolean {
    return this.settled;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new DOMException("fetch already settled", "AbortError"));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.finish()) this.resolve({ status: this.status, text: this.chunks.length === 1 ? this.chunks[0]!.toString() : Buffer.concat(this.chunks).toString() });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.finish()) this.reject(error, false);
  }

  private abort(reason: unknown): void {
    if (!this.finish()) return;
    this.reject(reason, this.expired);
    this.controller?.abort(reason instanceof Error ? reason : new DOMException(String(reason), "AbortError"));
  }

  /** True the first time: the fetch settles once, and its timer and caller listener go. */
  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    if (this.onCallerAbort) this.caller?.removeEventListener("abort", this.onCallerAbort);
    return true;
  }
}
