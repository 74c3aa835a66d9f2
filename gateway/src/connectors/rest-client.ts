/**
 * HTTP to one instance of a REST service: an undici keep-alive pool per instance and the same
 * dispatch handler as for GraphQL subgraphs (subgraph/transport.ts: only undici's Pool module is
 * loaded, which has no `request()`). A failed call is classified with the subgraph failure kinds,
 * so the balancer's retry and ejection rules treat it as they treat a GraphQL subgraph's.
 */
import Pool from "undici/lib/dispatcher/pool.js";
import { FetchHandler, type TransportOptions } from "../subgraph/transport.ts";
import type { SubgraphFailureKind } from "../subgraph/types.ts";

export interface RestRequest {
  readonly method: string;
  /** Path and query string below the instance's base URL. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly signal: AbortSignal | undefined;
}

export type RestOutcome =
  | { readonly ok: true; readonly status: number; readonly json: unknown }
  /** The service answered, but not 2xx, or not JSON: a field error. `json`: a non-2xx body that parsed, for `errors` mappings. */
  | { readonly ok: false; readonly status: number; readonly invalidBody: boolean; readonly json?: unknown }
  /** No answer (connection refused or reset, timeout, cancelled). */
  | { readonly ok: false; readonly status: undefined; readonly kind: SubgraphFailureKind };

export class RestClient {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(
    readonly baseUrl: string,
    private readonly options: TransportOptions,
  ) {
    const parsed = new URL(baseUrl);
    this.basePath = parsed.pathname.replace(/\/$/, "");
    this.pool = new Pool(parsed.origin, {
      connections: options.connections,
      connect: { timeout: options.connectTimeoutMs },
      keepAliveTimeout: 10_000,
      maxResponseSize: options.maxResponseBytes,
    });
  }

  async send(request: RestRequest): Promise<RestOutcome> {
    let status: number;
    let text: string;
    try {
      ({ status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const handler = new FetchHandler(this.options.timeoutMs, request.signal, resolve, (error, expired) => reject({ error, expired }));
        if (handler.done) return; // the caller had gone already: nothing is sent
        this.pool.dispatch({ method: request.method, path: `${this.basePath}${request.path}`, headers: request.headers, body: request.body ?? null }, handler);
      }));
    } catch (e) {
      const { error, expired } = e as { error: unknown; expired: boolean };
      return { ok: false, status: undefined, kind: classify(error, expired, request.signal?.aborted ?? false) };
    }
    if (status < 200 || status >= 300) return { ok: false, status, invalidBody: false, json: parseOrUndefined(text) };
    try {
      return { ok: true, status, json: text === "" ? null : JSON.parse(text) };
    } catch {
      return { ok: false, status, invalidBody: true };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function classify(e: unknown, expired: boolean, cancelled: boolean): SubgraphFailureKind {
  if (expired) return "timeout";
  if (cancelled) return "aborted";
  const code = (e as { code?: unknown } | undefined)?.code;
  if (code === "UND_ERR_CONNECT_TIMEOUT" || code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH") return "connect";
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return "timeout";
  if (code === "UND_ERR_RES_EXCEEDED_MAX_SIZE") return "invalid-body";
  return "reset";
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
