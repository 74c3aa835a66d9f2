/**
 * `npm run schema:check`: is the new API schema safe for the clients that really use the API?
 *
 *   npm run schema:check                          the composed subgraphs vs the committed supergraph (git HEAD)
 *     --supergraph <file>                         check this supergraph instead of composing supergraph.yaml
 *     --against <file|git-ref>                    compare with a file, or with schema/supergraph.graphql at a git ref (default HEAD)
 *     --window 7d                                 recorded usage considered (s, m, h, d; default 7d)
 *     --store <file>                              the SQLite usage store (default the config's usage.sqlite.path, else data/usage.db)
 *     --redis <url>                               the Redis usage store (or REDIS_URL); --redis-prefix (default gateway:usage:)
 *     --operations <file>                         recorded usage from a JSON file instead of a store (CI: test/fixtures/usage-operations.json)
 *     --manifest <file>                           persisted operations to check too (default the config's manifest)
 *     --config <file>                             the gateway config to read the store and manifest from
 *     --json                                      the report as JSON
 *     --deprecated                                list deprecated coordinates and the clients still using them
 *
 * Exit 0 when no recorded or persisted operation breaks (a breaking change nothing used
 * passes), 1 when one does, 2 on a usage error. It lives next to compose.ts because it is the
 * same kind of tool (it composes the new supergraph the same way); the logic is the gateway's
 * own (gateway/src/usage/), which the reload guard shares.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConfigFile } from "../gateway/src/config/load.ts";
import { loadManifest } from "../gateway/src/hardening/persisted-operations.ts";
import { apiSchemaOf } from "../gateway/src/usage/api-schema.ts";
import { checkSchemaChange, deprecatedUsage } from "../gateway/src/usage/check.ts";
import { recordedFromFile } from "../gateway/src/usage/operations-file.ts";
import { formatCheckReport, formatDeprecatedReport, parseWindow } from "../gateway/src/usage/report.ts";
import type { RecordedOperation, UsageStore } from "../gateway/src/usage/store.ts";
import { composeFromConfig } from "./compose.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const committedPath = "schema/supergraph.graphql";

export interface SchemaCheckOptions {
  supergraph?: string | undefined;
  /** The new supergraph's SDL itself (compose --check passes what it composed). */
  supergraphSdl?: string | undefined;
  operations?: string | undefined;
  against?: string | undefined;
  window?: string | undefined;
  store?: string | undefined;
  redis?: string | undefined;
  redisPrefix?: string | undefined;
  manifest?: string | undefined;
  config?: string | undefined;
  json?: boolean | undefined;
  deprecated?: boolean | undefined;
}

class UsageError extends Error {}

/** Runs the check and prints its report; resolves to the exit code. */
export async function runSchemaCheck(options: SchemaCheckOptions, out: (text: string) => void = console.log): Promise<number> {
  const windowText = options.window ?? "7d";
  const windowMs = parseWindow(windowText);
  const recordedIn = options.operations ? `in ${options.operations}` : `in the last ${windowText}`;
  const config = options.config ? await loadConfigFile(options.config) : undefined;
  const after = apiSchemaOf(options.supergraphSdl ?? newSupergraph(options.supergraph));
  const before = options.deprecated ? after : apiSchemaOf(previousSupergraph(options.against ?? "HEAD"));
  const recorded = options.operations
    ? { operations: recordedFromFile(options.operations, before), source: options.operations, note: "" }
    : await readUsage(options, config?.usage, Date.now() - windowMs);

  if (options.deprecated) {
    const usages = deprecatedUsage(after, recorded.operations);
    out(options.json ? JSON.stringify({ window: windowText, store: recorded.source, deprecated: usages }, null, 2) : `${recorded.note}${formatDeprecatedReport(usages, recordedIn)}`);
    return 0;
  }
  const manifestPath = options.manifest ?? config?.operations.persisted.manifest;
  const persisted = manifestPath ? loadManifest(manifestPath) : new Map<string, string>();
  const report = checkSchemaChange({ before, after, recorded: recorded.operations, persisted });
  out(options.json ? JSON.stringify({ window: windowText, store: recorded.source, ...report }, null, 2) : `${recorded.note}${formatCheckReport(report, recordedIn)}`);
  return report.passed ? 0 : 1;
}

function newSupergraph(file: string | undefined): string {
  if (file) return readFileSync(file, "utf8");
  const composed = composeFromConfig(resolve(root, "supergraph.yaml"));
  if (!composed.ok) throw new UsageError(`composition failed:\n${composed.errors.map((e) => `  - ${e}`).join("\n")}`);
  return composed.supergraphSdl!;
}

/** A file when one exists at that path, else the committed supergraph at that git ref. */
function previousSupergraph(against: string): string {
  if (existsSync(against)) return readFileSync(against, "utf8");
  try {
    return execFileSync("git", ["show", `${against}:${committedPath}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    throw new UsageError(`--against ${against}: neither a file nor a git ref with ${committedPath} (${(e as { stderr?: string }).stderr?.trim() || (e as Error).message})`);
  }
}

async function readUsage(
  options: SchemaCheckOptions,
  usage: { sqlite: { path: string }; bucketSeconds: number; redis?: { url: string; keyPrefix: string } | undefined } | undefined,
  since: number,
): Promise<{ operations: RecordedOperation[]; source: string; note: string }> {
  const redisUrl = options.redis ?? usage?.redis?.url ?? process.env.REDIS_URL;
  let store: UsageStore;
  let source: string;
  if (redisUrl) {
    const { connectRedisUsageStore } = await import("../gateway/src/usage/redis-store.ts");
    const { redactUrl } = await import("../gateway/src/redis/fail-fast-client.ts");
    const connected = await connectRedisUsageStore({
      url: redisUrl,
      keyPrefix: options.redisPrefix ?? usage?.redis?.keyPrefix ?? "gateway:usage:",
      retentionMs: 0,
      bucketMs: (usage?.bucketSeconds ?? 60) * 1_000,
      commandTimeoutMs: 10_000,
      connectTimeoutMs: 5_000,
      onConnectionError: () => {},
    });
    source = redactUrl(redisUrl);
    if (!connected.ready) {
      await connected.store.close();
      throw new UsageError(`the Redis usage store at ${source} did not answer`);
    }
    store = connected.store;
  } else {
    const path = options.store ?? usage?.sqlite.path ?? "data/usage.db";
    if (!existsSync(path)) return { operations: [], source: path, note: `no usage store at ${path}: only persisted operations are checked\n` };
    const { SqliteUsageStore } = await import("../gateway/src/usage/sqlite-store.ts");
    store = new SqliteUsageStore(path);
    source = relative(process.cwd(), resolve(path)) || path;
  }
  try {
    return { operations: await store.operations(since), source, note: "" };
  } finally {
    await store.close();
  }
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        supergraph: { type: "string" },
        against: { type: "string" },
        window: { type: "string" },
        store: { type: "string" },
        redis: { type: "string" },
        "redis-prefix": { type: "string" },
        manifest: { type: "string" },
        operations: { type: "string" },
        config: { type: "string" },
        json: { type: "boolean" },
        deprecated: { type: "boolean" },
      },
    }));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  try {
    return await runSchemaCheck({ ...values, redisPrefix: values["redis-prefix"] });
  } catch (e) {
    console.error(`schema check: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
