/**
 * The gateways under test. A profile is one table entry: how to launch it on a supergraph
 * and port, which supergraph copy it needs, and the headers every request carries. Adding
 * "ours, all policies on" is a new entry with a `config` (and, say, an `authorization` header).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_AUDIENCE, BENCH_ISSUER, benchJwks, benchToken } from "./bench-token.ts";
import { gatewayNodeFlags } from "../../gateway/src/node-flags.ts";

/** Callers in the "distinct callers" profile: more than the connections, so no two in-flight requests share a token. */
const DISTINCT_CALLERS = 200;

export interface LaunchContext {
  supergraphPath: string;
  port: number;
  /** Scratch directory for this run (config files, logs). */
  runDir: string;
  repoRoot: string;
  benchRoot: string;
  /** Set by `--cpu-prof`: our gateways write a V8 CPU profile here when they exit. */
  cpuProfDir?: string;
}

export interface Launch {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface GatewayProfile {
  /** What `--gateways` selects and the results key on. */
  name: string;
  label: string;
  /** `sanitized` drops `for: SECURITY` from @link, which @apollo/gateway requires. */
  supergraph: "original" | "sanitized";
  /** Needs bench/node_modules (installed on demand). */
  needsBenchDeps: boolean;
  /** Sent with every request, in the equality check and under load. */
  headers?: Record<string, string>;
  /**
   * Under load, each request takes the next value of these headers in turn (the equality check
   * uses `headers`): many distinct callers, so nothing keyed by caller is shared.
   */
  rotatingHeaders?: Record<string, readonly string[]>;
  /**
   * Left unpinned (every core), for a row that is not a per-core comparison (`--workers`).
   * Such a profile runs only when `--gateways` names it.
   */
  unpinned?: boolean;
  /** Only these suites' supergraphs (`demo`, `guild`); default every suite. */
  suites?: readonly string[];
  launch(ctx: LaunchContext): Launch;
}

/** Ratios are computed against this profile. */
export const BASELINE = "apollo-gateway";

// Same production settings for every Node peer, so none pays for dev-mode extras.
const nodeEnv = { NODE_ENV: "production" };

/** Our gateway with a config written from `config` (no config file means every policy off). */
export function oursProfile(
  name: string,
  label: string,
  config: Record<string, unknown> | ((ctx: LaunchContext) => Record<string, unknown>),
  headers?: Record<string, string>,
  extra: { args?: string[]; nodeArgs?: string[]; unpinned?: boolean; suites?: readonly string[]; rotatingHeaders?: Record<string, readonly string[]> } = {},
): GatewayProfile {
  return {
    name,
    label,
    supergraph: "original",
    needsBenchDeps: false,
    headers,
    ...(extra.rotatingHeaders ? { rotatingHeaders: extra.rotatingHeaders } : {}),
    ...(extra.unpinned ? { unpinned: true } : {}),
    ...(extra.suites ? { suites: extra.suites } : {}),
    launch(ctx) {
      const configFile = join(ctx.runDir, `${name}.config.json`);
      writeFileSync(configFile, JSON.stringify(typeof config === "function" ? config(ctx) : config, null, 2));
      return {
        command: process.execPath,
        args: [
          // The flags every launcher of ours passes (gateway/src/node-flags.ts), unless a row measures others.
          ...(extra.nodeArgs ?? gatewayNodeFlags),
          ...(ctx.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${join(ctx.cpuProfDir, name)}`] : []),
          join(ctx.repoRoot, "dist/gateway/src/main.js"), "--supergraph", ctx.supergraphPath, "--port", String(ctx.port), "--host", "127.0.0.1", "--config", configFile, ...(extra.args ?? [])],
        env: { ...nodeEnv, LOG_LEVEL: "warn" },
        cwd: ctx.repoRoot,
      };
    },
  };
}

function hiveProfile(name: string, label: string, extraArgs: string[]): GatewayProfile {
  return {
    name,
    label,
    supergraph: "original",
    needsBenchDeps: true,
    launch(ctx) {
      return {
        command: process.execPath,
        args: [join(ctx.benchRoot, "node_modules/@graphql-hive/gateway/dist/bin.js"), "supergraph", ctx.supergraphPath, "--port", String(ctx.port), "--host", "127.0.0.1", "--fork", "1", ...extraArgs],
        env: { ...nodeEnv },
        // Hive looks for gateway.config.* in its cwd; the scratch dir has none.
        cwd: ctx.runDir,
      };
    },
  };
}

/** The Guild suite's subgraphs (bench/subgraphs/guild.ts): nothing they answer depends on the caller. */
const guildCatalog = ["accounts", "inventory", "products", "reviews"];

const oursBase = { mode: "production", supergraph: { watch: false }, logging: { level: "warn" } };

/**
 * Every policy on, none of them refusing: tokens verified against a local JWKS, authorization
 * analysis, cost estimates and a token bucket charged per request (budgets far above the
 * load), metrics and the access log (built only at info, so off at warn, as in production).
 */
const oursPolicies = (ctx: LaunchContext) => {
  const jwksFile = join(ctx.runDir, "bench-jwks.json");
  writeFileSync(jwksFile, JSON.stringify(benchJwks));
  const unlimited = { capacity: 1e12, refillPerSecond: 1e12, maxCost: 1e12 };
  return {
    ...oursBase,
    auth: { jwks: { file: jwksFile }, issuer: BENCH_ISSUER, audience: BENCH_AUDIENCE },
    limits: { tiers: { anonymous: unlimited, customer: unlimited, partner: unlimited, admin: unlimited } },
    telemetry: { metrics: { enabled: true } },
  };
};

/** One token per caller, for the rows where no two in-flight requests share a caller. */
const distinctCallers = Array.from({ length: DISTINCT_CALLERS }, (_, i) => `Bearer ${benchToken(`bench-user-${i}`)}`);

export const gatewayProfiles: GatewayProfile[] = [
  oursProfile("ours", "ours (policies off)", oursBase),
  oursProfile("ours-policies", "ours (auth+limits+metrics on)", oursPolicies, { authorization: `Bearer ${benchToken()}` }),
  oursProfile(
    "ours-policies-distinct",
    `ours (auth+limits+metrics on, ${DISTINCT_CALLERS} distinct callers)`,
    oursPolicies,
    { authorization: `Bearer ${benchToken()}` },
    { rotatingHeaders: { authorization: distinctCallers } },
  ),
  // The same callers, with the Guild suite's subgraphs (a public catalog: users, reviews,
  // products, stock) set not to receive identity: their identical fetches are shared across
  // callers, as Hive Gateway (which forwards no headers by default) shares them.
  oursProfile(
    "ours-policies-distinct-public",
    `ours (as above, ${DISTINCT_CALLERS} callers, catalog subgraphs without identity)`,
    (ctx) => ({ ...oursPolicies(ctx), subgraphs: Object.fromEntries(guildCatalog.map((name) => [name, { forwardIdentity: false }])) }),
    { authorization: `Bearer ${benchToken()}` },
    { suites: ["guild"], rotatingHeaders: { authorization: distinctCallers } },
  ),
  // Nothing shared across requests: no whole-operation sharing (identical subgraph fetches still
  // are, as Hive Gateway shares them), then not even that: every fetch is sent.
  oursProfile("ours-no-sharing", "ours (policies off, no operation sharing)", { ...oursBase, operations: { shareInFlight: false } }),
  // The same with V8's default young generation (16 MB semi-spaces): what the node flag buys.
  oursProfile("ours-no-sharing-v8-defaults", "ours (policies off, no operation sharing, V8's default heap sizes)", { ...oursBase, operations: { shareInFlight: false } }, undefined, { nodeArgs: [] }),
  oursProfile("ours-nothing-shared", "ours (policies off, no operation sharing, no fetch dedup)", {
    ...oursBase,
    operations: { shareInFlight: false },
    subgraphs: { all: { dedup: false } },
  }),
  // Plans from Hive Router's Rust planner (batched entity fetches), executed by ours.
  oursProfile("ours-no-sharing-hive-planner", "ours (policies off, no operation sharing, Hive's Rust planner)", {
    ...oursBase,
    operations: { shareInFlight: false, planner: "hive-rust" },
  }),
  // The same as ours-policies-distinct on @apollo/gateway's executor: the executor's own gain, in one run.
  oursProfile(
    "ours-policies-distinct-apollo-executor",
    `ours (as ours-policies-distinct, on @apollo/gateway's executor)`,
    (ctx) => ({ ...oursPolicies(ctx), operations: { executor: "apollo" } }),
    { authorization: `Bearer ${benchToken()}` },
    { rotatingHeaders: { authorization: distinctCallers } },
  ),
  oursProfile("ours-no-telemetry", "ours (telemetry off)", { ...oursBase, telemetry: { metrics: { enabled: false }, accessLog: { enabled: false } } }),
  oursProfile("ours-workers-2", "ours, 2 workers (unpinned: not per core)", oursBase, undefined, { args: ["--workers", "2"], unpinned: true }),
  {
    name: BASELINE,
    label: "@apollo/gateway + @apollo/server",
    supergraph: "sanitized",
    needsBenchDeps: false,
    launch(ctx) {
      return {
        command: process.execPath,
        args: [join(ctx.benchRoot, "peers/apollo-gateway.mjs"), ctx.supergraphPath, String(ctx.port)],
        env: { ...nodeEnv },
        cwd: ctx.repoRoot,
      };
    },
  },
  hiveProfile("hive-gateway", "Hive Gateway", []),
  hiveProfile("hive-gateway-rust-qp", "Hive Gateway + router runtime", ["--hive-router-runtime"]),
];
