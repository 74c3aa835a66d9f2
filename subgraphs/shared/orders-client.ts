import type { Logger } from "pino";
import { appError } from "./errors.ts";
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

const QUERY = `query OrderSummary($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Order { id totalCents status user { id } } }
}`;

type EntitiesResponse = {
  data?: { _entities?: ({ id: string; totalCents: number; status: string; user: { id: string } } | null)[] } | null;
  errors?: { message: string }[];
};

/**
 * Asks the orders subgraph for one order as the caller sees it, through the same `_entities`
 * entry point the gateway uses: null means no such order or not the caller's. With several
 * instances, calls start at the next one each time and a failed call (an instance down or
 * failing) goes on to the next: the lookup is a read, safe to repeat.
 */
export function createOrdersClient(options: OrdersClientOptions = {}): OrdersClient {
  const urls = (options.url ?? process.env.ORDERS_URL ?? "http://127.0.0.1:4002/graphql").split(",").map((u) => u.trim()).filter(Boolean);
  const timeoutMs = options.timeoutMs ?? 5000;
  let next = 0;
  const ask = async (url: string, orderId: string, { authorization, requestId }: ForwardedRequest): Promise<EntitiesResponse> => {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-request-id": requestId,
        ...(authorization ? { authorization } : {}),
        // The orders subgraph's span joins the caller's trace.
        ...traceHeaders(),
      },
      body: JSON.stringify({ query: QUERY, variables: { representations: [{ __typename: "Order", id: orderId }] } }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as EntitiesResponse;
    if (!response.ok && !body.data) throw new Error(`HTTP ${response.status}`);
    return body;
  };
  return async (orderId, request) => {
    const { logger } = request;
    const first = next++ % urls.length;
    let body: EntitiesResponse | undefined;
    for (let i = 0; i < urls.length && body === undefined; i++) {
      const url = urls[(first + i) % urls.length]!;
      try {
        body = await ask(url, orderId, request);
      } catch (error) {
        logger.warn({ err: error, url }, "orders lookup failed");
      }
    }
    if (body === undefined) throw appError("UPSTREAM_ERROR", "The orders service is unavailable", { service: "orders" });
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
