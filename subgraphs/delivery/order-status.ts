import type { Logger } from "pino";
import { appError } from "../shared/errors.ts";
import { createServiceOrdersCaller, type OrdersCaller } from "../shared/orders-client.ts";
import type { ServiceTokenSource } from "../shared/service-token.ts";

const QUERY = `query OrderStatus($id: ID!) { orderStatus(id: $id) { id status userId } }`;

export interface OrderStatusView {
  id: string;
  status: string;
  userId: string;
}

export type OrderStatusLookup = (orderId: string, request: { requestId: string; logger: Logger }) => Promise<OrderStatusView | null>;

/**
 * Asks orders for an order's status with delivery's own service token (orders:read-status), not
 * the courier's: whether an order is paid is orders' fact, and no user token may read it through
 * this internal query. Fails closed: orders unreachable or failing is UPSTREAM_ERROR, never "paid".
 */
export function createOrderStatusLookup(call: OrdersCaller, tokens: ServiceTokenSource): OrderStatusLookup {
  const callAsService = createServiceOrdersCaller(call, tokens);
  return async (orderId, { requestId, logger }) => {
    let answer;
    try {
      answer = await callAsService<{ orderStatus: OrderStatusView | null }>({ query: QUERY, variables: { id: orderId } }, logger, requestId);
    } catch (error) {
      logger.warn({ err: error, orderId }, "order status lookup failed");
      throw appError("UPSTREAM_ERROR", "The orders service is unavailable, so the order's payment cannot be checked", { service: "orders" });
    }
    if (answer.errors?.length) {
      logger.warn({ errors: answer.errors, orderId }, "order status lookup returned errors");
      throw appError("UPSTREAM_ERROR", "The orders service failed to report the order's status", { service: "orders" });
    }
    return answer.data?.orderStatus ?? null;
  };
}
