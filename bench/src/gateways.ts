/**
 * The gateways under test. A profile is one table entry: how to launch it on a supergraph
 * and port, which supergraph copy it needs, and the headers every request carries. Adding
 * "ours, all policies on" is a new entry with a `config` (and, say, an `authorization` header).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface LaunchContext {
  supergraphPath: string;
  port: number;
  /** Scratch directory for this run (config files, logs). */
  runDir: string;
  repoRoot: string;
  benchRoot: string;
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
  launch(ctx: LaunchContext): Launch;
}

/** Ratios are computed against this profile. */
export const BASELINE = "apollo-gateway";

// Same production settings for every Node peer, so none pays for dev-mode extras.
const nodeEnv = { NODE_ENV: "production" };

/** Our gateway with a config written from `config` (no config file means every policy off). */
export function oursProfile(name: string, label: string, config: Record<string, unknown>, headers?: Record<string, string>): GatewayProfile {
  return {
    name,
    label,
    supergraph: "original",
    needsBenchDeps: false,
    headers,
    launch(ctx) {
      const configFile = join(ctx.runDir, `${name}.config.json`);
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      return {
        command: process.execPath,
        args: ["--import", "tsx", join(ctx.repoRoot, "gateway/src/main.ts"), "--supergraph", ctx.supergraphPath, "--port", String(ctx.port), "--host", "127.0.0.1", "--config", configFile],
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

export const gatewayProfiles: GatewayProfile[] = [
  oursProfile("ours", "ours (policies off)", { mode: "production", supergraph: { watch: false }, logging: { level: "warn" } }),
  {
    name: BASELINE,
    label: "@apollo/gateway + @apollo/server",
    supergraph: "sanitized",
    needsBenchDeps: false,
    launch(ctx) {
      return {
        command: process.execPath,
        args: ["--import", "tsx", join(ctx.benchRoot, "peers/apollo-gateway.ts"), ctx.supergraphPath, String(ctx.port)],
        env: { ...nodeEnv },
        cwd: ctx.repoRoot,
      };
    },
  },
  hiveProfile("hive-gateway", "Hive Gateway", []),
  hiveProfile("hive-gateway-rust-qp", "Hive Gateway + router runtime", ["--hive-router-runtime"]),
];
