/**
 * The persisted-operations manifest as a reloadable source: read and validated at start (a bad
 * file stops the gateway), then re-read on SIGHUP and when the file changes (polled, as the
 * supergraph file is). A new file replaces the manifest in one assignment, so an operation is
 * judged by one manifest or the other, never a mix; a file that does not read, is not a
 * manifest, or holds a document that does not parse is refused with a log line and a metric,
 * and the manifest in service stays. Each replica reads its own copy of the file: ship the same
 * file to all of them and every replica follows within one poll interval.
 */
import { createHash } from "node:crypto";
import { unwatchFile, watchFile, type Stats } from "node:fs";
import { parse } from "graphql";
import type { Logger } from "../logging/logger.ts";
import type { ManifestMetrics, ManifestReloadResult } from "./manifest-metrics.ts";
import { createPersistedOperations, loadManifest, type PersistedOperations } from "./persisted-operations.ts";

export type { ManifestReloadResult } from "./manifest-metrics.ts";

/** What asked for the reload. */
export type ManifestReloadTrigger = "watch" | "signal" | "call";

export interface ManifestSourceOptions {
  path: string;
  mode: "safelist" | "allow";
  /** Re-read when the file's mtime or size changes. */
  watch: boolean;
  pollIntervalMs: number;
  logger: Logger;
  /** manifest-metrics.ts; none without metrics. */
  metrics?: ManifestMetrics;
}

/** Reads and checks a manifest: its shape (loadManifest), then that every document parses. */
function readManifest(path: string): { operations: Map<string, string>; digest: string } {
  const operations = loadManifest(path);
  for (const [id, body] of operations) {
    try {
      parse(body, { noLocation: true });
    } catch (e) {
      throw new Error(`persisted operations manifest ${path}: the document of "${id.slice(0, 80)}" does not parse: ${(e as Error).message}`);
    }
  }
  // Of the operations, not the text: reformatting the file changes nothing.
  return { operations, digest: createHash("sha256").update(JSON.stringify([...operations])).digest("hex") };
}

export class ManifestSource implements PersistedOperations {
  #current: PersistedOperations;
  #digest: string;

  /** Throws on a bad file: the gateway does not start without the manifest it was given. */
  constructor(private readonly options: ManifestSourceOptions) {
    const first = readManifest(options.path);
    this.#current = createPersistedOperations(first.operations, options.mode);
    this.#digest = first.digest;
    options.metrics?.loaded(undefined, this.#current.size);
    // Unref'd: the watcher never holds the process open (a gateway that fails later in its start must exit).
    if (options.watch) watchFile(options.path, { interval: options.pollIntervalMs }, this.#onFileChange).unref();
  }

  get size(): number {
    return this.#current.size;
  }

  apply(body: Record<string, unknown>): ReturnType<PersistedOperations["apply"]> {
    return this.#current.apply(body);
  }

  /** Re-reads the file now; the manifest in service afterwards is the file's unless the result is "refused". */
  reload(trigger: ManifestReloadTrigger = "call"): ManifestReloadResult {
    const result = this.#attempt(trigger);
    this.options.metrics?.loaded(result, this.#current.size);
    return result;
  }

  /** Stops watching the file. */
  close(): void {
    unwatchFile(this.options.path, this.#onFileChange);
  }

  #attempt(trigger: ManifestReloadTrigger): ManifestReloadResult {
    const { path, logger, mode } = this.options;
    let next;
    try {
      next = readManifest(path);
    } catch (e) {
      logger.warn({ reason: (e as Error).message, path, trigger }, "persisted operations manifest reload refused; keeping the current manifest");
      return "refused";
    }
    if (next.digest === this.#digest) {
      logger.info({ path, trigger }, "persisted operations manifest unchanged; nothing to reload");
      return "unchanged";
    }
    const before = this.#current.size;
    this.#current = createPersistedOperations(next.operations, mode);
    this.#digest = next.digest;
    logger.info({ path, trigger, operations: this.#current.size, before }, "persisted operations manifest reloaded");
    return "applied";
  }

  readonly #onFileChange = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.size !== prev.size) this.reload("watch");
  };
}
