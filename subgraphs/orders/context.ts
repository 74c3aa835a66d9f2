import type DataLoader from "dataloader";
import type { RequestContext } from "../shared/context.ts";
import { groupedLoader, keyedLoader } from "../shared/loaders.ts";
import type { OrderItemRecord, OrderRecord, OrderRepository } from "./repository.ts";

export interface OrdersLoaders {
  orderById: DataLoader<string, OrderRecord | null>;
  itemsByOrderId: DataLoader<string, OrderItemRecord[]>;
}

export interface OrdersContext extends RequestContext {
  loaders: OrdersLoaders;
}

/** Per request: every order or item lookup in one tick becomes one SQL query. */
export function createOrdersLoaders(orders: OrderRepository): OrdersLoaders {
  return {
    orderById: keyedLoader((ids) => orders.byIds(ids), (order) => order.id),
    itemsByOrderId: groupedLoader((ids) => orders.itemsByOrderIds(ids), (item) => item.orderId),
  };
}
