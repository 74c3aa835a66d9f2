import type DataLoader from "dataloader";
import type { RequestContext } from "../shared/context.ts";
import { groupedLoader, keyedLoader } from "../shared/loaders.ts";
import type { DeliveryEventRecord, DeliveryRecord, DeliveryRepository } from "./repository.ts";

export interface DeliveryLoaders {
  deliveryById: DataLoader<string, DeliveryRecord | null>;
  /** Order.delivery for any number of orders in one SQL query. */
  deliveryByOrderId: DataLoader<string, DeliveryRecord | null>;
  eventsByDeliveryId: DataLoader<string, DeliveryEventRecord[]>;
}

export interface DeliveryContext extends RequestContext {
  loaders: DeliveryLoaders;
}

export function createDeliveryLoaders(deliveries: DeliveryRepository): DeliveryLoaders {
  return {
    deliveryById: keyedLoader((ids) => deliveries.byIds(ids), (d) => d.id),
    deliveryByOrderId: keyedLoader((ids) => deliveries.byOrderIds(ids), (d) => d.orderId),
    eventsByDeliveryId: groupedLoader((ids) => deliveries.eventsByDeliveryIds(ids), (e) => e.deliveryId),
  };
}
