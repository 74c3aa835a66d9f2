/**
 * Counts query-plan cache hits and misses. `@apollo/gateway` offers no hook for this: its
 * executor calls `queryPlanStore.get(key)` once per operation and plans only on a miss (the
 * `gateway.plan` span appears only then). So the store's `get` is wrapped on the instance.
 * This relies on a field that is private to `@apollo/gateway` (checked against the pinned
 * 2.14.4, where the store is created once in the constructor and only ever cleared); if the
 * field is missing the counter simply stays at zero and a warning says why.
 */
import type { ApolloGateway } from "@apollo/gateway";
import type { Logger } from "../logging/logger.ts";

interface PlanStore {
  get(key: string): Promise<unknown>;
}

export function observeQueryPlanCache(gateway: ApolloGateway, onLookup: (hit: boolean) => void, logger: Logger): void {
  const store = (gateway as unknown as { queryPlanStore?: PlanStore }).queryPlanStore;
  if (!store || typeof store.get !== "function") {
    logger.warn("query-plan cache metrics unavailable: this @apollo/gateway version has no queryPlanStore");
    return;
  }
  const get = store.get.bind(store);
  store.get = async (key) => {
    const plan = await get(key);
    onLookup(plan !== undefined && plan !== null);
    return plan;
  };
}
