/**
 * Graceful shutdown for the HTTP server: stop accepting, let in-flight requests finish within a
 * grace period, then close what is left. Idle keep-alive connections are closed at once so
 * clients reconnect elsewhere instead of sending into a closing server.
 */
import type { Server } from "node:http";

export class InFlightTracker {
  private count = 0;
  private waiters: Array<() => void> = [];

  track(res: { once(event: "close", cb: () => void): unknown }): void {
    this.count++;
    res.once("close", () => {
      this.count--;
      if (this.count === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  get inFlight(): number {
    return this.count;
  }

  /** Resolves true when no request is in flight, false if the grace period ran out first. */
  idle(graceMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(false);
      }, graceMs);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(done);
    });
  }
}

export async function drainServer(server: Server, tracker: InFlightTracker, graceMs: number): Promise<{ drained: boolean }> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const drained = await tracker.idle(graceMs);
  server.closeAllConnections();
  await closed;
  return { drained };
}
