/**
 * A table of shared in-flight work: the first caller of a key starts it, callers of the same key
 * wait for it while it runs, and the entry is gone the moment it settles (nothing is cached).
 * What sharing of subgraph fetches (subgraph/dedup-layer.ts) and of whole client operations
 * (execution/operation-sharing.ts) have in common.
 *
 * Each waiter brings its own signal: when it aborts, that waiter stops waiting alone (with
 * `left`), and the work's own signal aborts only when the last waiter has gone, which also
 * frees the key so the next caller starts afresh.
 */

export interface ShareHooks<T, S> {
  /** Starts the work; `signal` aborts when every waiter has left. */
  run(signal: AbortSignal): Promise<T>;
  /** Once, when the work succeeds and before any waiter resumes: per-entry state for `own`. */
  settled(value: T, counts: { waiting: number; joined: number }): S;
  /** What one waiter gets; `handed` waiters were handed the value before it. */
  own(value: T, state: S, handed: number): T;
  /** What a waiter whose signal aborted gets; throw to reject it instead. */
  left(reason: unknown): T;
}

interface Entry<T, S> {
  readonly promise: Promise<{ value: T; state: S }>;
  readonly controller: AbortController;
  /** Who started it (a request id), for reporting. */
  readonly leader: string;
  waiting: number;
  joined: number;
  handed: number;
}

export class InFlightTable<T, S> {
  private readonly entries = new Map<string, Entry<T, S>>();

  /** Who started the work in flight under `key`, if any. */
  leaderOf(key: string): string | undefined {
    return this.entries.get(key)?.leader;
  }

  /** Waits for the work under `key`, starting it with `hooks.run` (as `leader`) when none is in flight. */
  wait(key: string, leader: string, signal: AbortSignal | undefined, hooks: ShareHooks<T, S>): Promise<T> {
    if (signal?.aborted) {
      try {
        return Promise.resolve(hooks.left(signal.reason));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const entry = this.entries.get(key) ?? this.start(key, leader, hooks);
    entry.waiting++;
    entry.joined++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        entry.waiting--;
        try {
          resolve(hooks.left(signal?.reason));
        } catch (e) {
          reject(e);
        }
        if (entry.waiting === 0) {
          if (this.entries.get(key) === entry) this.entries.delete(key);
          entry.controller.abort(signal?.reason);
        }
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      entry.promise.then(
        ({ value, state }) => {
          signal?.removeEventListener("abort", onAbort);
          if (!signal?.aborted) resolve(hooks.own(value, state, entry.handed++));
        },
        (error: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          if (!signal?.aborted) reject(error);
        },
      );
    });
  }

  private start(key: string, leader: string, hooks: ShareHooks<T, S>): Entry<T, S> {
    const controller = new AbortController();
    const entry: Entry<T, S> = {
      controller,
      leader,
      waiting: 0,
      joined: 0,
      handed: 0,
      promise: hooks.run(controller.signal).then(
        (value) => {
          if (this.entries.get(key) === entry) this.entries.delete(key);
          // Waiters resume after this runs, so `settled` sees the value before any of them touches it.
          return { value, state: hooks.settled(value, { waiting: entry.waiting, joined: entry.joined }) };
        },
        (error: unknown) => {
          if (this.entries.get(key) === entry) this.entries.delete(key);
          throw error;
        },
      ),
    };
    // Every waiter may have left before it settles; the rejection then has no one to reach.
    entry.promise.catch(() => undefined);
    this.entries.set(key, entry);
    return entry;
  }
}
