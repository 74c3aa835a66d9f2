/**
 * The abort signal of one subgraph fetch: fires when the fetch's own deadline passes or the
 * caller's signal aborts, whichever is first. An `EventEmitter` (which undici accepts as a
 * request signal) with one timer, instead of `AbortSignal.any([signal, AbortSignal.timeout()])`:
 * those build an `AbortController`, weak references and a timer per fetch, which measured
 * at several times the cost, on the path every fetch takes.
 */
import { EventEmitter } from "node:events";

export class FetchDeadline extends EventEmitter {
  /** Read by undici when it sees `abort`. */
  aborted = false;
  reason: unknown = undefined;
  /** True when the fetch's own deadline passed (not the caller's signal). */
  expired = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort: (() => void) | undefined;

  constructor(
    timeoutMs: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    super();
    this.timer = setTimeout(() => {
      this.expired = true;
      this.fire(new DOMException(`fetch deadline of ${timeoutMs} ms passed`, "TimeoutError"));
    }, timeoutMs);
    if (caller) {
      if (caller.aborted) {
        this.fire(caller.reason);
      } else {
        this.onCallerAbort = () => this.fire(caller.reason);
        caller.addEventListener("abort", this.onCallerAbort, { once: true });
      }
    }
  }

  /** Stops the timer and the caller listener; call when the fetch has settled. */
  dispose(): void {
    clearTimeout(this.timer);
    if (this.onCallerAbort) this.caller?.removeEventListener("abort", this.onCallerAbort);
  }

  private fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit("abort");
  }
}
