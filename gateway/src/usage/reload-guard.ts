/**
 * The guarded reload: before a changed supergraph is swapped in, its API schema is checked
 * against the operations this gateway executed in the last `windowMinutes` (the recorder's
 * in-memory window). Under `enforce` a change that would break any of them is held: the old
 * supergraph keeps serving, the log names the operations and clients, and `/readyz` and
 * `gateway_supergraph_reload_held` show it until a later file passes or SIGHUP forces the held
 * one in. Under `warn` the change is swapped in and logged. A new file that does not even build
 * is passed on, so the loader refuses it with its own reason.
 */
import { createHash } from "node:crypto";
import type { GraphQLSchema } from "graphql";
import type { Logger } from "../logging/logger.ts";
import type { LoadedSupergraph, ReloadGuard } from "../supergraph/file-source.ts";
import { apiSchemaOf } from "./api-schema.ts";
import { checkSchemaChange, type CheckReport } from "./check.ts";
import { clientLabel } from "./client-id.ts";
import type { GuardOutcome } from "./metrics.ts";
import type { RecordedOperation } from "./store.ts";

export interface ReloadGuardOptions {
  mode: "enforce" | "warn";
  windowMs: number;
  /** The API schema in service. */
  currentSchema: () => GraphQLSchema | undefined;
  /** Operations executed since an epoch-ms time. */
  recent: (since: number) => RecordedOperation[];
  logger: Logger;
  onOutcome?: (outcome: GuardOutcome, holding: boolean) => void;
  now?: () => number;
}

/** What `/readyz` shows of the guard. */
export interface ReloadGuardStatus {
  readonly mode: "enforce" | "warn";
  readonly state: "clear" | "holding";
  /** The change kept out, while holding. */
  readonly held?: {
    readonly since: string;
    readonly sdlHash: string;
    readonly changes: readonly string[];
    readonly operations: readonly HeldOperation[];
  };
}

/** An operation a held change would break, with the clients that executed it in the window. */
export interface HeldOperation {
  readonly name: string | null;
  readonly hash: string;
  readonly clients: readonly string[];
  /** Validation errors, when no change's coordinates name what breaks it. */
  readonly errors?: readonly string[];
}

export interface SupergraphReloadGuard extends ReloadGuard {
  status(): ReloadGuardStatus;
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

export function createReloadGuard(options: ReloadGuardOptions): SupergraphReloadGuard {
  const now = options.now ?? Date.now;
  let held: ReloadGuardStatus["held"];
  const outcome = (o: GuardOutcome) => options.onOutcome?.(o, held !== undefined);

  return {
    admit(next: LoadedSupergraph, { force }) {
      const before = options.currentSchema();
      let after: GraphQLSchema;
      try {
        after = apiSchemaOf(next);
      } catch {
        return true; // the loader refuses it with its own reason
      }
      if (!before) return true;
      const hash = sha(next.sdl);
      const report = checkSchemaChange({ before, after, recorded: options.recent(now() - options.windowMs), persisted: new Map() });
      if (report.passed) {
        held = undefined;
        outcome("passed");
        return true;
      }
      const summary = summarize(report);
      if (force && held?.sdlHash === hash) {
        held = undefined;
        options.logger.warn({ ...summary }, "supergraph reload forced by SIGHUP although it breaks recently executed operations");
        outcome("forced");
        return true;
      }
      if (options.mode === "warn") {
        held = undefined;
        options.logger.warn({ ...summary }, "supergraph reloaded although it breaks recently executed operations (reloadGuard.mode warn)");
        outcome("warned");
        return true;
      }
      if (held?.sdlHash !== hash) held = { since: new Date(now()).toISOString(), sdlHash: hash, ...summary };
      options.logger.warn({ ...summary }, "supergraph reload held: the new supergraph breaks recently executed operations; keeping the current schema (SIGHUP swaps it in anyway)");
      outcome("held");
      return false;
    },
    cleared() {
      if (held === undefined) return;
      held = undefined;
      options.logger.info("supergraph reload guard: the held change is gone; the file matches the schema in service");
      outcome("passed");
    },
    status: () => ({ mode: options.mode, state: held ? "holding" : "clear", ...(held ? { held } : {}) }),
  };
}

function summarize(report: CheckReport): { changes: string[]; operations: HeldOperation[] } {
  const changes = report.changes.filter((c) => c.severity === "breaking" && c.operations.length > 0).map((c) => c.description);
  const operations = new Map<string, HeldOperation>();
  for (const change of report.changes) {
    if (change.severity !== "breaking") continue;
    for (const op of change.operations) operations.set(op.hash, { name: op.name, hash: op.hash, clients: op.clients.map(clientLabel) });
  }
  // Broken in a way no change's coordinates name: the validation errors say how.
  for (const op of report.invalidRecorded) {
    if (!operations.has(op.hash)) operations.set(op.hash, { name: op.name, hash: op.hash, clients: op.clients.map(clientLabel), errors: op.errors });
  }
  return { changes, operations: [...operations.values()] };
}
