import type { DeliveryRecord } from "./repository.ts";
import type { DeliveryUpdates } from "./updates.ts";

/**
 * One order's delivery changes as an async iterator, for a subscription resolver. Changes that
 * arrive while the reader is busy wait in a bounded queue; past `maxQueued` the oldest is dropped,
 * since each change carries the delivery's whole state and the newest is the one that matters.
 * `return()` (the subscriber left) removes the listener at once.
 */
export function deliveryUpdatesFor(updates: DeliveryUpdates, orderId: string, maxQueued = 100): AsyncIterableIterator<DeliveryRecord> {
  const queue: DeliveryRecord[] = [];
  let waiting: ((result: IteratorResult<DeliveryRecord>) => void) | undefined;
  let done = false;

  const unsubscribe = updates.onDeliveryUpdated((delivery) => {
    if (done || delivery.orderId !== orderId) return;
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ value: delivery, done: false });
      return;
    }
    queue.push(delivery);
    if (queue.length > maxQueued) queue.shift();
  });

  const finish = (): Promise<IteratorResult<DeliveryRecord>> => {
    if (!done) {
      done = true;
      unsubscribe();
      queue.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
    }
    return Promise.resolve({ value: undefined, done: true });
  };

  return {
    next: () => {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: finish,
    throw: async (error: unknown) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
