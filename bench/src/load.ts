/**
 * The load generator: wrk (C, one thread, fixed connections for a fixed time), pinned to the
 * load core. Chosen over autocannon because it leaves the shared core to the subgraphs and
 * reports latency in microseconds, which the "≤ 1 ms over the subgraph" target needs.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnOwned } from "./processes.ts";

export interface LoadSpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Per header, values that requests take in turn (one per request): many distinct callers. */
  rotatingHeaders?: Record<string, readonly string[]> | undefined;
  connections: number;
  durationS: number;
  core: number;
  runDir: string;
  /** Names the script and log files. */
  tag: string;
}

export interface LoadResult {
  requests: number;
  durationS: number;
  /** Responses outside 2xx/3xx. */
  non2xx: number;
  /** Connect, read, write errors and timeouts. */
  socketErrors: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

/** Installs wrk from Debian's packages when it is missing; throws if that fails. */
export function ensureWrk(): void {
  if (spawnSync("wrk", ["--version"], { stdio: "ignore" }).error === undefined) return;
  console.log("wrk not found: installing it with apt-get…");
  const install = spawnSync("apt-get", ["install", "-y", "wrk"], { stdio: "inherit", timeout: 180_000 });
  if (install.status !== 0) throw new Error("wrk is required (apt-get install -y wrk) and could not be installed");
}

// Lua long brackets take any text verbatim as long as the closing level never appears in it.
const luaString = (s: string) => {
  let level = "=";
  while (s.includes(`]${level}]`)) level += "=";
  return `[${level}[${s}]${level}]`;
};

function script(spec: LoadSpec): string {
  const headers = { "content-type": "application/json", ...spec.headers };
  return [
    `wrk.method = "POST"`,
    `wrk.body = ${luaString(spec.body)}`,
    // The spaces matter: `[[` would open a long string.
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[ ${luaString(k)} ] = ${luaString(v)}`),
    ...rotation(spec.rotatingHeaders ?? {}),
    `done = function(summary, latency, requests)`,
    `  local e = summary.errors`,
    `  io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\\n',`,
    `    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,`,
    `    latency:percentile(50), latency:percentile(99), latency.mean))`,
    `end`,
  ].join("\n");
}

/** A `request` function that gives each request the next value of every rotating header. */
function rotation(rotating: Record<string, readonly string[]>): string[] {
  const entries = Object.entries(rotating).filter(([, values]) => values.length > 0);
  if (entries.length === 0) return [];
  return [
    ...entries.map(([name, values], i) => `local values${i} = { ${values.map(luaString).join(", ")} }`),
    `local turn = 0`,
    `request = function()`,
    `  turn = turn + 1`,
    ...entries.map(([name], i) => `  wrk.headers[ ${luaString(name)} ] = values${i}[(turn - 1) % #values${i} + 1]`),
    `  return wrk.format()`,
    `end`,
  ];
}

/** Runs wrk once and parses its result; bounded by `durationS` plus wrk's own request timeout. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const scriptFile = join(spec.runDir, `${spec.tag}.lua`);
  const logFile = join(spec.runDir, `${spec.tag}.wrk.log`);
  writeFileSync(scriptFile, script(spec));
  writeFileSync(logFile, "");
  const wrk = spawnOwned({
    name: `wrk ${spec.tag}`,
    command: "wrk",
    args: ["-t1", `-c${spec.connections}`, `-d${spec.durationS}s`, "--timeout", "30s", "-s", scriptFile, spec.url],
    core: spec.core,
    logFile,
  });
  const code = await wrk.exited;
  await wrk.stop();
  const line = readFileSync(logFile, "utf8").split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (code !== 0 || line === undefined) throw new Error(`wrk failed (exit ${code}):\n${wrk.tail()}`);
  const r = JSON.parse(line.slice("WRK_RESULT ".length)) as Record<string, number>;
  const n = (k: string) => r[k] ?? 0;
  return {
    requests: n("requests"),
    durationS: n("duration_us") / 1e6,
    non2xx: n("status"),
    socketErrors: n("connect") + n("read") + n("write") + n("timeout"),
    p50Ms: n("p50_us") / 1000,
    p99Ms: n("p99_us") / 1000,
    meanMs: n("mean_us") / 1000,
  };
}
