import type { DeliveryRecord } from "./repository.ts";

export type DeliveryUpdatedListener = (delivery: DeliveryRecord) => void;

/**
 * In-process publish hook for delivery changes, called after the change is committed, so a
 * subscription transport can listen here without touching the resolvers. A throwing listener
 * is reported and skipped: it must not fail the mutation that already happened.
 */
export class DeliveryUpdates {
  readonly #listeners = new Set<DeliveryUpdatedListener>();

  constructor(
    private readonly onListenerError: (error: unknown) => void,
    /** Told the listener count after every change (the event feed polls only while it is above 0). */
    private readonly onListenersChanged: (count: number) => void = () => undefined,
  ) {}

  /** Registers a listener; returns the function that removes it. */
  onDeliveryUpdated(listener: DeliveryUpdatedListener): () => void {
    this.#listeners.add(listener);
    this.onListenersChanged(this.#listeners.size);
    return () => {
      if (this.#listeners.delete(listener)) this.onListenersChanged(this.#listeners.size);
    };
  }

  /** How many listeners are registered. */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  publish(delivery: DeliveryRecord): void {
    for (const listener of this.#listeners) {
      try {
        listener(delivery);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
