import type { Logger } from "pino";
import { appError } from "./errors.ts";
import type { ServiceTokenSource } from "./service-token.ts";
import { traceHeaders } from "./tracing.ts";

/** What another subgraph may learn about an order from the orders subgraph. */
export interface OrderSummary {
  id: string;
  userId: string;
  totalCents: number;
  status: string;
}

export interface OrdersClientOptions {
  /**
   * The orders subgraph's /graphql, or several instances' separated by commas. Default env
   * ORDERS_URL, else http://127.0.0.1:4002/graphql.
   */
  url?: string;
  /** Default 5000 ms. */
  timeoutMs?: number;
}

/** The caller's credentials and request id, forwarded so orders enforces ownership itself. */
export interface ForwardedRequest {
  authorization: string | undefined;
  requestId: string;
  logger: Logger;
}

export type OrdersClient = (orderId: string, request: ForwardedRequest) => Promise<OrderSummary | null>;

export interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Thrown when no orders instance gave a GraphQL answer. */
export class OrdersUnavailableError extends Error {}

/**
 * POSTs one GraphQL request to the orders subgraph. With several instances, calls start at the
 * next one each time and a failed call (an instance down or failing) goes on to the next; only
 * for requests safe to repeat (reads, and writes orders applies idempotently).
 */
export function createOrdersCaller(options: OrdersClientOptions = {}) {
  const urls = splitUrls(options.url ?? process.env.ORDERS_URL ?? "http://127.0.0.1:4002/graphql");
  return createFailoverCaller(() => urls, options.timeoutMs ?? 5000);
}

/** A comma-separated list of instance URLs. */
export const splitUrls = (list: string): string[] => list.split(",").map((u) => u.trim()).filter(Boolean);

/**
 * The same for any subgraph: `urls` is read on every call, so a caller may learn them after it
 * is built (orders and delivery call each other and one of them starts first).
 */
export function createFailoverCaller(urlsNow: () => readonly string[], timeoutMs: number) {
  let next = 0;
  const ask = async <T>(url: string, body: unknown, headers: Record<string, string>): Promise<GraphQLBody<T>> => {
    const response = await fetch(url, {
      method: "POST",
      // The callee's span joins the caller's trace.
      headers: { "content-type": "application/json", ...headers, ...traceHeaders() },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const answer = (await response.json()) as GraphQLBody<T>;
    if (!response.ok && !answer.data) throw new Error(`HTTP ${response.status}`);
    return answer;
  };
  return async <T>(body: { query: string; variables: Record<string, unknown> }, headers: Record<string, string>, logger: Logger): Promise<GraphQLBody<T>> => {
    const urls = urlsNow();
    const first = next++ % Math.max(1, urls.length);
    for (let i = 0; i < urls.length; i++) {
      const url = urls[(first + i) % urls.length]!;
      try {
        return await ask<T>(url, body, headers);
      } catch (error) {
        logger.warn({ err: error, url }, "subgraph call failed");
      }
    }
    throw new OrdersUnavailableError("no instance answered");
  };
}

export type OrdersCaller = ReturnType<typeof createOrdersCaller>;

const QUERY = `query OrderSummary($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Order { id totalCents status user { id } } }
}`;

type Entities = { _entities?: ({ id: string; totalCents: number; status: string; user: { id: string } } | null)[] };

/**
 * Asks the orders subgraph for one order as the caller sees it, through the same `_entities`
 * entry point the gateway uses: null means no such order or not the caller's.
 */
export function createOrdersClient(options: OrdersClientOptions = {}): OrdersClient {
  const call = createOrdersCaller(options);
  return async (orderId, { authorization, requestId, logger }) => {
    let body: GraphQLBody<Entities>;
    try {
      body = await call<Entities>(
        { query: QUERY, variables: { representations: [{ __typename: "Order", id: orderId }] } },
        { "x-request-id": requestId, ...(authorization ? { authorization } : {}) },
        logger,
      );
    } catch {
      throw appError("UPSTREAM_ERROR", "The orders service is unavailable", { service: "orders" });
    }
    const entity = body.data?._entities?.[0];
    if (!entity) {
      if (body.errors?.length) {
        logger.warn({ errors: body.errors }, "orders lookup returned errors");
        throw appError("UPSTREAM_ERROR", "The orders service failed", { service: "orders" });
      }
      return null;
    }
    return { id: entity.id, userId: entity.user.id, totalCents: entity.totalCents, status: entity.status };
  };
}

/**
 * Calls an internal orders operation with this service's own token. A token orders no longer
 * accepts (UNAUTHENTICATED: expired, or signed by a retired key) is dropped and fetched again
 * once, so a restarted auth service or a key rotation costs one extra round trip.
 */
export function createServiceOrdersCaller(call: OrdersCaller, tokens: ServiceTokenSource) {
  return async <T>(body: { query: string; variables: Record<string, unknown> }, logger: Logger, requestId?: string): Promise<GraphQLBody<T>> => {
    for (let attempt = 0; ; attempt++) {
      const token = await tokens.token();
      const answer = await call<T>(body, { authorization: `Bearer ${token}`, ...(requestId ? { "x-request-id": requestId } : {}) }, logger);
      const refused = answer.errors?.some((e) => e.extensions?.code === "UNAUTHENTICATED");
      if (!refused || attempt > 0) return answer;
      tokens.invalidate();
    }
  };
}
