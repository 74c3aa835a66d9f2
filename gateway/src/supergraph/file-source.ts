/**
 * Serves the supergraph from a file to `@apollo/gateway` and hot-reloads it: when the file
 * changes, the new SDL is swapped in without failing in-flight requests (Apollo Server keeps
 * executing requests that already started against the schema they started with). A new SDL
 * that does not load is refused with a logged reason and the old schema stays.
 */
import { readFileSync, watchFile, unwatchFile, type Stats } from "node:fs";
import type { SupergraphManager } from "@apollo/gateway";
import type { Logger } from "../logging/logger.ts";
import { sanitizeForApolloGateway } from "../private-apis/supergraph-for-apollo-gateway.ts";

/** A loaded supergraph: the SDL as composed (for our directive readers) and the copy `@apollo/gateway` loads. */
export interface LoadedSupergraph {
  readonly sdl: string;
  readonly gatewaySdl: string;
}

export type SupergraphListener = (supergraph: LoadedSupergraph) => void;

/** Decides whether a changed supergraph may replace the one in service (usage/reload-guard.ts). */
export interface ReloadGuard {
  /** False keeps the current supergraph. `force`: an operator asked for this reload (SIGHUP). */
  admit(next: LoadedSupergraph, options: { force: boolean }): boolean;
  /** The file is back to the supergraph in service: nothing is held any more. */
  cleared(): void;
}

export interface FileSupergraphOptions {
  path: string;
  watch: boolean;
  pollIntervalMs: number;
  logger: Logger;
}

export class FileSupergraphSource {
  private current: LoadedSupergraph | undefined;
  private readonly listeners = new Set<SupergraphListener>();
  private update: ((sdl: string) => void) | undefined;
  private guard: ReloadGuard | undefined;

  constructor(private readonly options: FileSupergraphOptions) {}

  /** The supergraph in service, once loaded. */
  get loaded(): LoadedSupergraph | undefined {
    return this.current;
  }

  /** Called with each supergraph that was successfully loaded, the first one included. */
  onLoad(listener: SupergraphListener): () => void {
    this.listeners.add(listener);
    if (this.current) listener(this.current);
    return () => this.listeners.delete(listener);
  }

  /** Every later change passes `guard` before it is swapped in (the first load never does). */
  guardReloads(guard: ReloadGuard): void {
    this.guard = guard;
  }

  /** The `supergraphSdl` manager for `new ApolloGateway({ supergraphSdl })`. */
  manager(): SupergraphManager {
    return {
      initialize: async ({ update }) => {
        const first = this.read();
        this.update = update;
        this.accept(first);
        if (this.options.watch) {
          watchFile(this.options.path, { interval: this.options.pollIntervalMs }, this.onFileChange);
        }
        return {
          supergraphSdl: first.gatewaySdl,
          cleanup: async () => unwatchFile(this.options.path, this.onFileChange),
        };
      },
    };
  }

  /**
   * Re-reads the file now (the watcher calls this; tests and SIGHUP may too). `force` (SIGHUP)
   * lets the reload guard swap in a change it is holding.
   */
  reload(options: { force?: boolean } = {}): boolean {
    let next: LoadedSupergraph;
    try {
      next = this.read();
    } catch (e) {
      this.options.logger.warn({ err: e, path: this.options.path }, "supergraph reload refused: file unreadable; keeping the current schema");
      return false;
    }
    if (next.sdl === this.current?.sdl) {
      this.guard?.cleared();
      return true;
    }
    if (this.guard && !this.guard.admit(next, { force: options.force ?? false })) return false;
    try {
      this.update?.(next.gatewaySdl);
    } catch (e) {
      this.options.logger.warn(
        { reason: e instanceof Error ? e.message : String(e), path: this.options.path },
        "supergraph reload refused: new supergraph is invalid; keeping the current schema",
      );
      return false;
    }
    this.accept(next);
    this.options.logger.info({ path: this.options.path }, "supergraph reloaded");
    return true;
  }

  private readonly onFileChange = (curr: Stats, prev: Stats) => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.size !== prev.size) this.reload();
  };

  private read(): LoadedSupergraph {
    const sdl = readFileSync(this.options.path, "utf8");
    if (sdl.trim() === "") throw new Error(`supergraph file ${this.options.path} is empty`);
    return { sdl, gatewaySdl: sanitizeForApolloGateway(sdl) };
  }

  private accept(next: LoadedSupergraph): void {
    this.current = next;
    for (const listener of this.listeners) {
      try {
        listener(next);
      } catch (e) {
        this.options.logger.error({ err: e }, "supergraph listener failed");
      }
    }
  }
}
