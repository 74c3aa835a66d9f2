/**
 * Upstream subscriptions to subgraphs over WebSocket (`graphql-ws`), shared per key: the first
 * client to join a key opens the connection and sends the subscribe; later clients with the same
 * key only add themselves to its members; the last one to leave closes it (refcount). Each event
 * fans out to every member. A dropped connection (subgraph restart) is re-established with
 * backoff and the subscription re-sent, members kept; only when the attempts run out, or the
 * subgraph itself refuses or ends the subscription, do the members hear about it.
 */
import { createClient, type Client, type FormattedExecutionResult } from "graphql-ws";
import WebSocket from "ws";
import type { Logger } from "../logging/logger.ts";
import { backoffDelay, type BackoffOptions } from "./backoff.ts";

export interface UpstreamRequest {
  readonly subgraph: string;
  /** ws:// or wss:// URL of the subgraph's GraphQL endpoint; a function is asked again at every (re)connection. */
  readonly url: string | (() => string);
  readonly query: string;
  readonly variables: Record<string, unknown>;
  readonly operationName: string | undefined;
  /**
   * An upstream that is not the subgraph's WebSocket (a gRPC server stream, grpc/stream-source.ts):
   * opened in its place, with the same sharing, fan-out, ending and reconnection: a source that
   * ends as unavailable after it delivered an event (a stream dropped mid-way) is opened again
   * with the same backoff and attempts, members kept.
   */
  readonly source?: UpstreamSource;
}

/** Opens a non-WebSocket upstream: it feeds `sink` until it ends, and returns how to stop it. */
export type UpstreamSource = (sink: { next(event: FormattedExecutionResult): void; end(end: UpstreamEnd): void }) => () => void;

/** Why an upstream subscription ended for its members. */
export type UpstreamEnd =
  | { readonly kind: "completed" }
  /** The subgraph answered the subscribe with an error message. */
  | { readonly kind: "refused"; readonly errors: readonly Record<string, unknown>[] }
  /** The connection could not be (re-)established within the attempts. */
  | { readonly kind: "unavailable"; readonly reason: string };

export interface UpstreamMember {
  /** The member's bearer token and its expiry (epoch s); the freshest valid one authenticates a (re)connection. */
  credentials(): { readonly token: string; readonly expiresAt: number } | undefined;
  next(event: FormattedExecutionResult): void;
  end(end: UpstreamEnd): void;
}

export interface UpstreamHubOptions {
  logger: Logger;
  reconnect: BackoffOptions & { readonly maxAttempts: number };
  /** WebSocket pings to the subgraph at this interval detect a dead connection. */
  keepAliveMs: number;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
  /** A dropped connection came back, or gave up after every attempt (metrics). */
  onConnectionEvent?: (subgraph: string, event: "reconnected" | "exhausted") => void;
}

interface Upstream {
  readonly key: string;
  readonly members: Set<UpstreamMember>;
  /** Absent for an upstream `source`. */
  readonly client: Client | undefined;
  dispose: () => void;
  /** Set once the subgraph refused or ended it: new members get a fresh upstream. */
  finished: boolean;
}

export class UpstreamHub {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly now: () => number;

  constructor(private readonly options: UpstreamHubOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Active upstream subscriptions. */
  get size(): number {
    return this.upstreams.size;
  }

  /** Adds a member to the key's upstream, opening it when none is active; returns the release. */
  join(key: string, request: UpstreamRequest, member: UpstreamMember): () => void {
    let upstream = this.upstreams.get(key);
    if (!upstream || upstream.finished) upstream = this.open(key, request);
    upstream.members.add(member);
    const joined = upstream;
    return () => {
      if (!joined.members.delete(member) || joined.members.size > 0) return;
      this.close(joined);
    };
  }

  /** Closes every upstream without telling the members (they are being closed by their owner). */
  async close(upstream?: Upstream): Promise<void> {
    const targets = upstream ? [upstream] : [...this.upstreams.values()];
    for (const u of targets) {
      if (this.upstreams.get(u.key) === u) this.upstreams.delete(u.key);
      u.finished = true;
      u.dispose();
      await u.client?.dispose();
    }
  }

  private open(key: string, request: UpstreamRequest): Upstream {
    if (request.source) return this.openSource(key, request, request.source);
    // The hub's logger already names the component (subscriptions/setup.ts): add only what is this upstream's.
    const log = this.options.logger.child({ subgraph: request.subgraph });
    const { reconnect } = this.options;
    const members = new Set<UpstreamMember>();
    let connectedBefore = false;
    const client = createClient({
      url: request.url,
      webSocketImpl: WebSocket,
      lazy: true,
      keepAlive: this.options.keepAliveMs,
      retryAttempts: reconnect.maxAttempts,
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, backoffDelay(retries, reconnect))),
      // A refused token will be refused again; anything else (restart, network) is worth retrying.
      shouldRetry: (event) => !isCloseEvent(event) || (event.code !== 4401 && event.code !== 4403),
      connectionParams: () => {
        const credentials = freshest(members, this.now() / 1000);
        return credentials ? { authorization: `Bearer ${credentials.token}` } : {};
      },
      on: {
        connected: () => {
          if (connectedBefore) this.reconnected(log, request.subgraph);
          connectedBefore = true;
        },
        closed: (event) => {
          if (!upstream.finished) log.warn({ code: isCloseEvent(event) ? event.code : undefined }, "upstream subscription connection dropped; reconnecting");
        },
      },
    });
    const upstream: Upstream = { key, members, client, dispose: () => undefined, finished: false };
    const endAll = (end: UpstreamEnd) => {
      if (this.endMembers(upstream, end)) void client.dispose();
    };
    upstream.dispose = client.subscribe<Record<string, unknown>>(
      { query: request.query, variables: request.variables, ...(request.operationName ? { operationName: request.operationName } : {}) },
      {
        next: (event) => {
          for (const member of [...members]) member.next(event as FormattedExecutionResult);
          // A subscribe the subgraph refused arrives as errors without data (then complete): end it now, so no new client joins it.
          if (event.data == null && event.errors) endAll({ kind: "completed" });
        },
        error: (error) => {
          if (Array.isArray(error)) return endAll({ kind: "refused", errors: error as Record<string, unknown>[] });
          const reason = isCloseEvent(error) ? `closed with ${error.code}${error.reason ? ` (${error.reason})` : ""}` : error instanceof Error ? error.message : "connection failed";
          this.exhausted(log, request.subgraph, reason);
          endAll({ kind: "unavailable", reason });
        },
        complete: () => endAll({ kind: "completed" }),
      },
    );
    this.upstreams.set(key, upstream);
    return upstream;
  }

  private reconnected(log: Logger, subgraph: string): void {
    log.info("upstream subscription re-established");
    this.options.onConnectionEvent?.(subgraph, "reconnected");
  }

  private exhausted(log: Logger, subgraph: string, reason: string): void {
    log.warn({ reason }, "upstream subscription lost: reconnection attempts exhausted");
    this.options.onConnectionEvent?.(subgraph, "exhausted");
  }

  /** Tells every member how the upstream ended, once; false when it had ended already. */
  private endMembers(upstream: Upstream, end: UpstreamEnd): boolean {
    if (upstream.finished) return false;
    upstream.finished = true;
    if (this.upstreams.get(upstream.key) === upstream) this.upstreams.delete(upstream.key);
    for (const member of [...upstream.members]) member.end(end);
    upstream.members.clear();
    return true;
  }

  /**
   * A source is reopened only once it has delivered: one unavailable from the start ends at once,
   * as a subgraph that cannot be reached at subscribe time does. Attempts count from the last
   * event, so a stream that drops now and then is reopened each time.
   */
  private openSource(key: string, request: UpstreamRequest, source: UpstreamSource): Upstream {
    const log = this.options.logger.child({ subgraph: request.subgraph });
    const { reconnect } = this.options;
    const members = new Set<UpstreamMember>();
    const upstream: Upstream = { key, members, client: undefined, dispose: noop, finished: false };
    let delivered = false;
    let attempt = 0;
    let retry: NodeJS.Timeout | undefined;
    let stop: () => void = noop;
    upstream.dispose = () => {
      clearTimeout(retry);
      stop();
    };
    const endAll = (end: UpstreamEnd) => {
      if (this.endMembers(upstream, end)) upstream.dispose();
    };
    const start = () => {
      stop = source({
        next: (event) => {
          if (upstream.finished) return;
          // The first event after a reopening (attempts are reset by any event).
          if (attempt > 0) this.reconnected(log, request.subgraph);
          delivered = true;
          attempt = 0;
          for (const member of [...members]) member.next(event);
        },
        end: (end) => {
          if (upstream.finished) return;
          if (end.kind !== "unavailable" || !delivered) return endAll(end);
          if (attempt >= reconnect.maxAttempts) {
            this.exhausted(log, request.subgraph, end.reason);
            return endAll(end);
          }
          log.warn({ reason: end.reason }, "upstream subscription stream dropped; reconnecting");
          retry = setTimeout(() => {
            retry = undefined;
            if (!upstream.finished) start();
          }, backoffDelay(attempt++, reconnect));
        },
      });
    };
    this.upstreams.set(key, upstream);
    start();
    return upstream;
  }
}

function noop(): void {}

function freshest(members: Iterable<UpstreamMember>, nowSec: number): { token: string; expiresAt: number } | undefined {
  let best: { token: string; expiresAt: number } | undefined;
  for (const member of members) {
    const c = member.credentials();
    if (c && c.expiresAt > nowSec && (!best || c.expiresAt > best.expiresAt)) best = c;
  }
  return best;
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === "object" && value !== null && "code" in value && typeof (value as { code: unknown }).code === "number";
}
