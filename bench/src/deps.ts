/**
 * The peers' heavy dependencies live in bench/package.json, never in the root: installing them
 * there would race other work in the repo. They are installed on first use.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type DepsStatus = { ok: true } | { ok: false; reason: string };

function missing(benchRoot: string): string[] {
  const manifest = JSON.parse(readFileSync(join(benchRoot, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {}).filter((dep) => !existsSync(join(benchRoot, "node_modules", dep, "package.json")));
}

/** Installs bench/node_modules when any dependency is missing; never throws. */
export function ensureBenchDeps(repoRoot: string, benchRoot: string): DepsStatus {
  if (missing(benchRoot).length === 0) return { ok: true };
  console.log("installing the peers into bench/node_modules (one-time, about a minute)…");
  const run = spawnSync("npm", ["install", "--prefix", benchRoot, "--no-audit", "--no-fund"], {
    cwd: repoRoot,
    stdio: ["ignore", "inherit", "pipe"],
    encoding: "utf8",
    timeout: 600_000,
  });
  const still = missing(benchRoot);
  if (run.status === 0 && still.length === 0) return { ok: true };
  const lastError = (run.stderr ?? "").split("\n").filter((l) => /ERR!/.test(l)).slice(-1)[0];
  return { ok: false, reason: `npm install failed${lastError ? `: ${lastError.trim()}` : ""}${still.length ? ` (missing ${still.join(", ")})` : ""}` };
}

/**
 * Builds the gateway (`npm run build`, dist/): ours is benchmarked compiled, as production runs
 * it, and so is the baseline (a plain .mjs), so neither pays for a run-time TypeScript loader.
 */
export function buildGateway(repoRoot: string): void {
  const run = spawnSync("npm", ["run", "build", "--silent"], { cwd: repoRoot, stdio: "inherit", timeout: 300_000 });
  if (run.status !== 0) throw new Error("npm run build failed: the gateway cannot be benchmarked");
}
