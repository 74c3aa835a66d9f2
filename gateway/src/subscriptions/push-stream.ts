/**
 * A bounded push-to-pull bridge: the producer pushes events, the transport pulls them with
 * `for await`. A reader that falls `maxQueued` events behind is not buffered without end:
 * `push` answers false and the owner ends the stream (SLOW_CONSUMER). `return()` (the client
 * left) runs the cleanup once, whoever calls it first.
 */
export class PushStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;
  private cleanedUp = false;

  constructor(
    private readonly maxQueued: number,
    private readonly onClose: () => void,
  ) {}

  /** True while the stream accepts events. */
  get open(): boolean {
    return !this.ended;
  }

  /** Queues an event; false when the stream has ended or the reader is `maxQueued` behind (nothing queued). */
  push(value: T): boolean {
    if (this.ended) return false;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
      return true;
    }
    if (this.queue.length >= this.maxQueued) return false;
    this.queue.push(value);
    return true;
  }

  /** Ends the stream after what is queued, with one last event when given (past the bound: it says why). */
  end(last?: T): void {
    if (this.ended) return;
    if (last !== undefined) {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve({ value: last, done: false });
      } else {
        this.queue.push(last);
      }
    }
    this.ended = true;
    if (this.queue.length === 0) this.finish();
    this.cleanup();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length > 0) {
      const value = this.queue.shift()!;
      if (this.ended && this.queue.length === 0) this.cleanup();
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.ended = true;
    this.queue.length = 0;
    this.finish();
    this.cleanup();
    return Promise.resolve({ value: undefined, done: true });
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private finish(): void {
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }

  private cleanup(): void {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.onClose();
  }
}
