/**
 * Active subscriptions per consumer, across connections and transports: `acquire` answers the
 * release function, or undefined when the consumer already holds `max`. A consumer is the
 * token's subject, else the client address (limits/consumer.ts decides when limits are on).
 */
export class ConsumerSubscriptionLimit {
  private readonly active = new Map<string, number>();

  constructor(private readonly max: number) {}

  acquire(consumer: string): (() => void) | undefined {
    const held = this.active.get(consumer) ?? 0;
    if (held >= this.max) return undefined;
    this.active.set(consumer, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.active.get(consumer) ?? 1) - 1;
      if (now <= 0) this.active.delete(consumer);
      else this.active.set(consumer, now);
    };
  }

  /** Subscriptions the consumer holds now. */
  held(consumer: string): number {
    return this.active.get(consumer) ?? 0;
  }
}
