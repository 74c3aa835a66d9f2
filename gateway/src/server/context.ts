/**
 * The per-request context every policy reads: created once at the HTTP edge, passed to
 * Apollo Server as its context value and from there to every subgraph fetch.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "../logging/logger.ts";
import type { RequestRecord } from "../telemetry/request-record.ts";

/** Who is calling: set once at the edge from a verified token, never from unverified input. */
export type Principal =
  | { readonly kind: "anonymous" }
  | {
      readonly kind: "user";
      /** JWT `sub`. */
      readonly subject: string;
      readonly scopes: ReadonlySet<string>;
      readonly roles: ReadonlySet<string>;
      /** Every verified claim, for policies. */
      readonly claims: Readonly<Record<string, unknown>>;
      /** The verified bearer token, forwarded to subgraphs as is. */
      readonly token: string;
      /**
       * When the gateway stops accepting the token, epoch seconds: its `exp` plus
       * `auth.clockToleranceSec` (the claim itself is `claims.exp`).
       */
      readonly expiresAt: number;
    };

export const anonymous: Principal = Object.freeze({ kind: "anonymous" });

export interface RequestContext {
  /** From `x-request-id` when the client sent a sane one, else generated. Echoed and forwarded. */
  readonly requestId: string;
  readonly logger: Logger;
  /** The incoming headers, lower-cased by Node. */
  readonly headers: IncomingHttpHeaders;
  /** The client's address as seen by this process. */
  readonly clientAddress: string;
  /** Aborted when the client disconnects or the request deadline passes. */
  readonly signal: AbortSignal;
  /** Monotonic start time (performance.now()). */
  readonly startedAt: number;
  /** The credentials the authentication stage verifies: the HTTP `Authorization` header, or graphql-ws's `connection_init` payload. */
  readonly authorization: string | undefined;
  /** The verified caller; `anonymous` until the authentication stage verified a token (written by it alone). */
  principal: Principal;
  /**
   * This request's telemetry record (access-log line, metrics), absent when telemetry is off.
   * A field rather than a WeakMap keyed by the context: Apollo Server hands plugins and data
   * sources a shallow copy of the context, which keeps this reference but not the identity.
   */
  readonly telemetry?: RequestRecord;
}

const saneRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id a client sent, if it is safe to echo into headers and logs. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const sent = headers["x-request-id"];
  return typeof sent === "string" && saneRequestId.test(sent) ? sent : randomUUID();
}
