/**
 * Slows down password guessing per email and client: after `freeFailures` failures each further
 * attempt waits base * 2^(extra failures), capped. State is in memory and per process, which is
 * enough to make online guessing slow; a success clears it.
 */
export interface LoginThrottleOptions {
  /** Failures allowed before any delay. Default 3. */
  freeFailures?: number;
  /** Delay after the first counted failure. Default 250 ms. */
  baseDelayMs?: number;
  /** Ceiling of the delay. Default 2000 ms. */
  maxDelayMs?: number;
  /** Failures older than this are forgotten. Default 15 min. */
  forgetAfterMs?: number;
  /** Bound on remembered keys, so a flood of distinct emails cannot grow memory. Default 10 000. */
  maxEntries?: number;
  /** How to wait; tests inject a recorder. Default a timer. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

type Entry = { failures: number; lastFailureAt: number };

export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #options: Required<LoginThrottleOptions>;

  constructor(options: LoginThrottleOptions = {}) {
    this.#options = {
      freeFailures: 3,
      baseDelayMs: 250,
      maxDelayMs: 2000,
      forgetAfterMs: 15 * 60_000,
      maxEntries: 10_000,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: Date.now,
      ...options,
    };
  }

  /** The wait before the next attempt for this key, in ms (0 when not throttled). */
  delayFor(key: string): number {
    const entry = this.#current(key);
    const extra = (entry?.failures ?? 0) - this.#options.freeFailures;
    if (extra < 0) return 0;
    return Math.min(this.#options.baseDelayMs * 2 ** extra, this.#options.maxDelayMs);
  }

  /** Waits as long as this key's failures require. */
  async wait(key: string): Promise<void> {
    const delay = this.delayFor(key);
    if (delay > 0) await this.#options.sleep(delay);
  }

  recordFailure(key: string): void {
    const failures = (this.#current(key)?.failures ?? 0) + 1;
    this.#entries.delete(key); // re-insert so Map order stays oldest-first for eviction
    this.#entries.set(key, { failures, lastFailureAt: this.#options.now() });
    if (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  reset(key: string): void {
    this.#entries.delete(key);
  }

  #current(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && this.#options.now() - entry.lastFailureAt > this.#options.forgetAfterMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
