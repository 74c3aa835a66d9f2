/**
 * Loads, validates and freezes the gateway configuration. Validation failures name the bad
 * key's path and the expected shape, so a startup error says exactly what to fix.
 */
import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { redisFromUrl } from "./limits.ts";
import { apqEnabled, apqRedisFromUrl } from "./operations.ts";
import { suggestKey } from "./suggest.ts";
import { usageRedisFromUrl } from "./usage.ts";
import { gatewayConfigSchema, logLevelSchema, type GatewayConfig, type GatewayConfigInput } from "./schema.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Validates a config object, applies defaults and environment overrides, and deep-freezes it. */
export function validateConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.flatMap((issue) => {
      const where = issue.path.join(".") || "(root)";
      if (issue.code !== "unrecognized_keys") return [`  - ${where}: ${issue.message}`];
      // One line per unknown key, with the nearest key the schema allows.
      return issue.keys.map((key) => {
        const suggestion = suggestKey(gatewayConfigSchema, issue.path, key);
        const at = [...issue.path.map(String), key].join(".");
        return `  - ${at}: unknown key${suggestion ? `; did you mean \`${suggestion}\`?` : ""}`;
      });
    });
    throw new ConfigError(`invalid gateway configuration:\n${lines.join("\n")}`);
  }
  return deepFreeze(applyEnv(result.data, env));
}

/** Deployment settings that environment variables override: PORT, HOST, LOG_LEVEL, SUPERGRAPH_PATH, REDIS_URL. */
function applyEnv(config: GatewayConfig, env: NodeJS.ProcessEnv): GatewayConfig {
  const out = structuredCloneWithFunctions(config);
  if (env.PORT !== undefined) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be an integer 0-65535, got "${env.PORT}"`);
    out.server.port = port;
  }
  if (env.HOST) out.server.host = env.HOST;
  if (env.SUPERGRAPH_PATH) out.supergraph.path = env.SUPERGRAPH_PATH;
  if (env.REDIS_URL) {
    if (!/^rediss?:\/\//.test(env.REDIS_URL)) throw new ConfigError("REDIS_URL must be a redis:// or rediss:// URL");
    // REDIS_URL moves the limiter counters to Redis; it does not turn limits on by itself.
    if (out.limits) out.limits = { ...out.limits, store: { redis: { ...(out.limits.store.redis ?? redisFromUrl(env.REDIS_URL)), url: env.REDIS_URL } } };
    // It puts recorded usage in Redis, when usage is recorded, so every replica's lands in one place.
    if (out.usage) out.usage = { ...out.usage, redis: { ...(out.usage.redis ?? usageRedisFromUrl(env.REDIS_URL)), url: env.REDIS_URL } };
    // It also shares APQ registrations between replicas, when clients may register them.
    const persisted = out.operations.persisted;
    if (apqEnabled(persisted)) out.operations = { ...out.operations, persisted: { ...persisted, redis: { ...(persisted.redis ?? apqRedisFromUrl(env.REDIS_URL)), url: env.REDIS_URL } } };
  }
  if (env.LOG_LEVEL) {
    const level = logLevelSchema.safeParse(env.LOG_LEVEL);
    if (!level.success) throw new ConfigError(`LOG_LEVEL must be one of ${logLevelSchema.options.join("|")}, got "${env.LOG_LEVEL}"`);
    out.logging.level = level.data;
  }
  return out;
}

/**
 * Imports a config module. The compiled gateway runs on plain Node, which cannot import a .ts
 * file: tsx (a dependency) loads such a file then, for this import only.
 */
async function importModule(file: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as { default?: unknown };
  } catch (e) {
    if ((e as { code?: string }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw e;
    const { tsImport } = await import("tsx/esm/api");
    const mod = (await tsImport(url, import.meta.url)) as { default?: unknown };
    // Outside a "type": "module" package the file is compiled as CommonJS: its default export is one level down.
    const inner = mod.default as { __esModule?: boolean; default?: unknown } | undefined;
    return inner?.__esModule ? { default: inner.default } : mod;
  }
}

/** Reads a config file: .json, .yaml/.yml, or a .ts/.js/.mjs module whose default export is the config. */
export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  const file = resolve(path);
  let raw: unknown;
  try {
    switch (extname(file)) {
      case ".json":
        raw = JSON.parse(readFileSync(file, "utf8"));
        break;
      case ".yaml":
      case ".yml":
        raw = (await import("yaml")).parse(readFileSync(file, "utf8"));
        break;
      case ".ts":
      case ".js":
      case ".mjs": {
        raw = (await importModule(file)).default;
        break;
      }
      default:
        throw new ConfigError(`unsupported config file type "${extname(file)}" (use .ts, .js, .mjs, .json or .yaml)`);
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`cannot read config file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return validateConfig(relativeToFile(raw, dirname(file)), env);
  } catch (e) {
    if (e instanceof ConfigError) e.message = `${path}: ${e.message}`;
    throw e;
  }
}

/** The config's paths that are relative to the file they are written in (`supergraph.protoDirs`), made absolute. */
function relativeToFile(raw: unknown, dir: string): unknown {
  const supergraph = (raw as { supergraph?: { protoDirs?: unknown } } | undefined)?.supergraph;
  const dirs = supergraph?.protoDirs;
  if (!Array.isArray(dirs) || !dirs.every((d): d is string => typeof d === "string" && d !== "")) return raw; // validation names what is wrong
  return { ...(raw as object), supergraph: { ...supergraph, protoDirs: dirs.map((d) => resolve(dir, d)) } };
}

/** Typed identity helper for config modules: `export default defineConfig({ ... })`. */
export function defineConfig(config: GatewayConfigInput): GatewayConfigInput {
  return config;
}

function structuredCloneWithFunctions<T>(value: T): T {
  if (Array.isArray(value)) return value.map(structuredCloneWithFunctions) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structuredCloneWithFunctions(v)])) as T;
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
