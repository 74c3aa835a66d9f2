/**
 * Serves the supergraph from a file to `@apollo/gateway` and hot-reloads it: when the file
 * changes, the new SDL is swapped in without failing in-flight requests (Apollo Server keeps
 * executing requests that already started against the schema they started with). A new SDL
 * that does not load is refused with a logged reason and the old schema stays.
 */
import { readFileSync, watchFile, unwatchFile, type Stats } from "node:fs";
import type { SupergraphManager } from "@apollo/gateway";
import type { Logger } from "../logging/logger.ts";
import type { ConnectorGraph } from "../connectors/definitions.ts";
import { expandConnectors } from "../connectors/expand.ts";
import { ConnectorLoadError } from "../connectors/load-error.ts";
import type { GrpcGraph } from "../grpc/definitions.ts";
import { GrpcLoadError, readGrpcGraphs } from "../grpc/read-directives.ts";
import { withProtoPaths } from "../grpc/proto-path.ts";
import { checkGrpcGraph } from "../grpc/runtime.ts";
import { sanitizeForApolloGateway } from "../private-apis/supergraph-for-apollo-gateway.ts";

/** A loaded supergraph: the SDL as composed (for our directive readers) and the copy `@apollo/gateway` loads. */
export interface LoadedSupergraph {
  readonly sdl: string;
  /** Connectors expanded into plain subgraphs, SECURITY purposes removed. */
  readonly gatewaySdl: string;
  /** The connector subgraphs the gateway runs itself (connectors/); none when absent. */
  readonly connectors?: readonly ConnectorGraph[];
  /** The gRPC subgraphs the gateway runs itself (grpc/); none when absent. */
  readonly grpc?: readonly GrpcGraph[];
}

export interface LoadOptions {
  /** Where relative `.proto` paths are looked up (`supergraph.protoDirs`); the working directory when absent. */
  readonly protoDirs?: readonly string[] | undefined;
}

/** Reads a supergraph SDL into what the gateway loads; throws for a connector outside the supported subset or a gRPC mapping it cannot run. */
export function loadSupergraphSdl(sdl: string, options: LoadOptions = {}): LoadedSupergraph {
  const expanded = expandConnectors(sdl);
  const grpc = withProtoPaths(readGrpcGraphs(sdl), options.protoDirs);
  for (const graph of grpc) checkGrpcGraph(graph);
  return { sdl, gatewaySdl: sanitizeForApolloGateway(expanded.sdl), connectors: expanded.connectors, grpc };
}

export type SupergraphListener = (supergraph: LoadedSupergraph) => void;

/** What one reload attempt did; `reason` is one of a fixed set, so it can be a metric label. */
export type ReloadOutcome =
  | { readonly result: "applied" }
  /** The file holds the supergraph already in service. */
  | { readonly result: "unchanged" }
  /** The reload guard keeps the current supergraph: the new one would break recorded operations. */
  | { readonly result: "held" }
  | { readonly result: "refused"; readonly reason: "unreadable" | "invalid" };

/** What asked for a reload: the file watcher, SIGHUP, or code (tests, an admin call). */
export type ReloadTrigger = "watch" | "signal" | "call";

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
  /** `supergraph.protoDirs`: where relative `.proto` paths are looked up. */
  protoDirs?: readonly string[] | undefined;
  logger: Logger;
}

export class FileSupergraphSource {
  private current: LoadedSupergraph | undefined;
  private readonly listeners = new Set<SupergraphListener>();
  private readonly reloadListeners = new Set<(outcome: ReloadOutcome) => void>();
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

  /** Called with the outcome of every reload attempt after the first load (metrics). */
  onReload(listener: (outcome: ReloadOutcome) => void): () => void {
    this.reloadListeners.add(listener);
    return () => this.reloadListeners.delete(listener);
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
   * Re-reads the file now (the watcher calls this; SIGHUP and tests may too); true when the file's
   * supergraph is in service afterwards. `force` (SIGHUP) lets the reload guard swap in a change
   * it is holding.
   */
  reload(trigger: ReloadTrigger = "call", options: { force?: boolean } = {}): boolean {
    const outcome = this.attemptReload(trigger, options.force ?? false);
    for (const listener of this.reloadListeners) listener(outcome);
    return outcome.result === "applied" || outcome.result === "unchanged";
  }

  private attemptReload(trigger: ReloadTrigger, force: boolean): ReloadOutcome {
    const { path, logger } = this.options;
    let next: LoadedSupergraph;
    try {
      next = this.read();
    } catch (e) {
      if (e instanceof ConnectorLoadError || e instanceof GrpcLoadError) {
        // Read fine, but a connector is outside the supported subset (or a gRPC mapping cannot run): the message says which and why.
        logger.warn({ reason: e.message, path, trigger }, "supergraph reload refused: new supergraph is invalid; keeping the current schema");
        return { result: "refused", reason: "invalid" };
      }
      logger.warn({ err: e, path, trigger }, "supergraph reload refused: file unreadable; keeping the current schema");
      return { result: "refused", reason: "unreadable" };
    }
    if (next.sdl === this.current?.sdl) {
      // Said out loud: an operator who sent SIGHUP after an edit learns the edit is not in the file.
      this.guard?.cleared();
      logger.info({ path, trigger }, "supergraph unchanged: the file holds the schema in service; nothing to reload");
      return { result: "unchanged" };
    }
    if (this.guard && !this.guard.admit(next, { force })) return { result: "held" };
    try {
      this.update?.(next.gatewaySdl);
    } catch (e) {
      logger.warn(
        { reason: e instanceof Error ? e.message : String(e), path, trigger },
        "supergraph reload refused: new supergraph is invalid; keeping the current schema",
      );
      return { result: "refused", reason: "invalid" };
    }
    this.accept(next);
    logger.info({ path, trigger }, "supergraph reloaded");
    return { result: "applied" };
  }

  private readonly onFileChange = (curr: Stats, prev: Stats) => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.size !== prev.size) this.reload("watch");
  };

  private read(): LoadedSupergraph {
    const sdl = readFileSync(this.options.path, "utf8");
    if (sdl.trim() === "") throw new Error(`supergraph file ${this.options.path} is empty`);
    return loadSupergraphSdl(sdl, { protoDirs: this.options.protoDirs });
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
