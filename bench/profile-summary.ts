/**
 * `npm run bench:profile -- <dir|file.cpuprofile> [--top 25]`: the top self-time functions of
 * V8 CPU profiles (as `npm run bench -- --cpu-prof <dir>` writes them), plus self time grouped
 * by where the code lives (GC, undici, graphql-js, @apollo/gateway, our gateway, …). Several
 * profiles in a directory are summed. Percentages are of sampled non-idle time.
 *
 * Start-up (module loading, TypeScript transpiling, planning) is not load: by default samples
 * before the first one whose stack holds a plan executor's entry (`executeQueryPlan`, `@apollo/gateway`'s;
 * `runPlan`, ours) are dropped (`--after ''` keeps all; several names comma-separated),
 * and a profile that never reaches it (tsx's loader thread) is left out.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives, for the grouped view. Order matters: the first match wins. */
const groups: Array<[string, (name: string, url: string) => boolean]> = [
  ["GC", (name) => name === "(garbage collector)"],
  ["program (native, unattributed)", (name) => name === "(program)"],
  ["undici", (_n, url) => url.includes("/undici/")],
  ["@apollo/gateway (plan execution, merging)", (_n, url) => url.includes("@apollo/gateway")],
  ["@apollo/query-planner / federation-internals", (_n, url) => url.includes("@apollo/query-planner") || url.includes("@apollo/federation-internals")],
  ["@apollo/server", (_n, url) => url.includes("@apollo/server")],
  ["graphql-js", (_n, url) => url.includes("/graphql/")],
  ["pino / prom-client / otel", (_n, url) => url.includes("/pino") || url.includes("prom-client") || url.includes("@opentelemetry")],
  ["our executor (gateway/src/executor)", (_n, url) => url.includes("/gateway/src/executor/")],
  ["our gateway (gateway/src)", (_n, url) => url.includes("/gateway/src/")],
  ["node internals (http, net, streams)", (_n, url) => url.startsWith("node:")],
  ["builtins (JSON, RegExp, …)", (_n, url) => url === ""],
];

function summarize(files: string[], top: number, after: string): void {
  const byFunction = new Map<string, number>();
  const byGroup = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const entries = new Set(after.split(",").filter(Boolean));
    const stackHas = (id: number): boolean => {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (entries.has(nodes.get(at)?.callFrame.functionName ?? "")) return true;
      return false;
    };
    let started = after === "";
    for (let i = 0; i < profile.samples.length; i++) {
      const node = nodes.get(profile.samples[i]!);
      if (!node) continue;
      if (!started) {
        started = stackHas(node.id);
        if (!started) continue;
      }
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === "(idle)") continue;
      const us = profile.timeDeltas[i] ?? 0;
      total += us;
      const shortUrl = url.replace(/^file:\/\/.*?node_modules\//, "").replace(/^file:\/\/.*?\/(gateway|bench)\//, "$1/");
      const key = `${functionName || "(anonymous)"}  ${shortUrl}${url ? `:${lineNumber + 1}` : ""}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
      const group = groups.find(([, match]) => match(functionName, url))?.[0] ?? "other JS (node_modules)";
      byGroup.set(group, (byGroup.get(group) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`.padStart(6);
  console.log(`${files.length} profile(s), ${(total / 1e6).toFixed(1)} s of non-idle samples${after ? ` after the first ${after}` : ""}\n\nself time by origin:`);
  for (const [group, us] of [...byGroup].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us)}  ${group}`);
  console.log(`\ntop ${top} functions by self time:`);
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${key}`);
}

function profilesIn(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => join(path, f));
}

const { values, positionals } = parseArgs({
  options: { top: { type: "string", default: "25" }, after: { type: "string", default: "executeQueryPlan,runPlan" } },
  allowPositionals: true,
});
const files = positionals.flatMap(profilesIn);
if (files.length === 0) {
  console.error("usage: npm run bench:profile -- <dir|file.cpuprofile> [--top 25] [--after executeQueryPlan,runPlan]");
  process.exitCode = 2;
} else {
  summarize(files, Number(values.top), values.after);
}
