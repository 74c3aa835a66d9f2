/**
 * `npm run bench`: our gateway against its peers on the same supergraphs, same machine, same
 * run. This file only orders the steps (start, verify, alternate, report); each step is a
 * module under bench/src. See bench/README.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { composeSupergraph } from "./src/compose.ts";
import { buildGateway, ensureBenchDeps } from "./src/deps.ts";
import { BASELINE, gatewayProfiles } from "./src/gateways.ts";
import { ensureWrk } from "./src/load.ts";
import { measure, type Sample } from "./src/measure.ts";
import { spawn } from "node:child_process";
import { parseOptions, usage } from "./src/options.ts";
import { enablePinning, installCleanup, killAllOwned, pinningAvailable, pinSelf } from "./src/processes.ts";
import { markdownReport } from "./src/report/markdown.ts";
import { svgChart } from "./src/report/svg.ts";
import { aggregate, type RowSeed } from "./src/results.ts";
import { startLeanSubgraphs, type LeanSubgraphs } from "./src/subgraph-process.ts";
import { allQueryNames, suites } from "./src/suites.ts";
import { startGateway, type Target } from "./src/targets.ts";
import { verifySameData } from "./src/verify.ts";

// The gateway under test gets a core to itself; wrk, the subgraphs and this harness share the other.
const GATEWAY_CORE = 0;
const LOAD_CORE = 1;
const DIRECT = "subgraph-direct";

const benchRoot = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchRoot, "..");

async function main(): Promise<void> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), allQueryNames, gatewayProfiles.map((p) => p.name));
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const startedAt = new Date();
  const pinned = pinningAvailable(availableParallelism());
  enablePinning(pinned);
  pinSelf(LOAD_CORE);
  ensureWrk();
  buildGateway(repoRoot);

  const wanted = (p: (typeof gatewayProfiles)[number]) =>
    options.gateways.includes(p.name) || p.name === BASELINE || (options.gateways.length === 0 && !p.unpinned);
  const profiles = gatewayProfiles.filter(wanted);
  const unavailable = new Map<string, string>();
  if (profiles.some((p) => p.needsBenchDeps)) {
    const deps = ensureBenchDeps(repoRoot, benchRoot);
    if (!deps.ok) for (const p of profiles.filter((p) => p.needsBenchDeps)) unavailable.set(p.name, `unavailable: ${deps.reason}`);
  }

  const runDir = mkdtempSync(join(tmpdir(), "gateway-bench-"));
  const live = new Set<Target>();
  let subgraphs: LeanSubgraphs | undefined;
  const stopAll = async () => {
    await Promise.all([...live].map((t) => t.process?.stop()));
    await subgraphs?.process.stop();
  };
  installCleanup(async () => {
    await stopAll();
    if (!process.env.KEEP_RUN_DIR) rmSync(runDir, { recursive: true, force: true });
  });

  const seeds: RowSeed[] = [];
  const samples: Sample[] = [];
  const queryDescriptions: Record<string, string> = {};
  try {
    subgraphs = await startLeanSubgraphs(benchRoot, runDir, LOAD_CORE);
    for (const suite of suites) {
      const queries = suite.queries.filter((q) => options.queries.length === 0 || options.queries.includes(q.name));
      if (queries.length === 0) continue;
      const suiteUrls = subgraphs.urls[suite.name] ?? {};
      const composed = composeSupergraph(suite.name, suite.sdl(), suiteUrls, runDir);
      console.log(`\n== ${suite.name}: ${suite.description}`);

      const targets: Target[] = [];
      const suiteProfiles = profiles.filter((p) => p.suites === undefined || p.suites.includes(suite.name));
      const outcomes = await Promise.all(
        suiteProfiles.map((profile) => {
          const failed = unavailable.get(profile.name);
          return failed
            ? ({ ok: false, reason: failed } as const)
            : startGateway(
                profile,
                { supergraphPath: composed[profile.supergraph], runDir, repoRoot, benchRoot, ...(options.cpuProfDir ? { cpuProfDir: resolve(options.cpuProfDir, suite.name) } : {}) },
                suite.name,
                GATEWAY_CORE,
              );
        }),
      );
      for (const [i, profile] of suiteProfiles.entries()) {
        const outcome = outcomes[i]!;
        if (outcome.ok) {
          targets.push(outcome.target);
          live.add(outcome.target);
          console.log(`  started ${profile.label} (pid ${outcome.target.pid})`);
        } else {
          const status = outcome.reason.startsWith("unavailable") ? outcome.reason : `unavailable: ${outcome.reason}`;
          console.log(`  ${profile.label}: ${status}`);
          for (const q of queries) seeds.push({ query: q.name, target: profile.name, label: profile.label, kind: "gateway", status, sameData: "–", responseBytes: 0 });
        }
      }

      const targetsFor = new Map<string, Target[]>();
      for (const q of queries) {
        queryDescriptions[q.name] = `${q.description} (${suite.name} supergraph)`;
        const direct: Target[] = q.singleSubgraph && suiteUrls[q.singleSubgraph]
          ? [{ name: DIRECT, label: `${q.singleSubgraph} subgraph called directly (floor)`, url: suiteUrls[q.singleSubgraph]!, headers: {} }]
          : [];
        const list = [...targets, ...direct];
        targetsFor.set(q.name, list);
        // The baseline is the reference the others must match.
        const ordered = [...list].sort((a, b) => Number(b.name === BASELINE) - Number(a.name === BASELINE));
        const verdicts = await verifySameData(ordered, q.query);
        for (const t of list) {
          const v = verdicts.get(t.name)!;
          if (v.status.startsWith("MISMATCH")) console.log(`  !!! ${q.name} · ${t.label}: ${v.status}`);
          seeds.push({ query: q.name, target: t.name, label: t.label, kind: t.name === DIRECT ? "floor" : "gateway", status: "ok", sameData: v.status, responseBytes: v.responseBytes });
        }
        const ref = verdicts.get(ordered[0]?.name ?? "");
        console.log(`  ${q.name}: response ${((ref?.responseBytes ?? 0) / 1024).toFixed(1)} KB; same data: ${list.map((t) => `${t.name}=${verdicts.get(t.name)!.status.split(":")[0]}`).join(", ")}`);
      }

      // Alternate A B C A B C so drift on a shared machine hits every gateway alike.
      for (let round = 1; round <= options.rounds; round++) {
        for (const q of queries) {
          for (const target of targetsFor.get(q.name) ?? []) {
            const s = await measure(target, q, round, {
              connections: options.connections,
              durationS: options.durationS,
              warmupS: options.warmupS,
              loadCore: LOAD_CORE,
              runDir,
              subgraphCount: () => subgraphs!.count(suite.name),
              subgraphPid: subgraphs!.process.pid,
            });
            samples.push(s);
            const served = s.requests + s.abandoned;
            const cpu = s.gatewayCpuMs === null ? "–" : (s.gatewayCpuMs / served).toFixed(3);
            console.log(
              `  [round ${round}/${options.rounds}] ${q.name} · ${target.label}: ${s.rps.toFixed(0)} req/s, p50 ${s.p50Ms.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms, ` +
                `CPU ${cpu} ms/req, ${(s.subgraphRequests / served).toFixed(2)} subgraph req/req, errors ${s.non2xx + s.socketErrors}`,
            );
          }
        }
      }
      await Promise.all(targets.map(async (t) => {
        await t.process?.stop();
        live.delete(t);
      }));
    }
  } finally {
    await stopAll();
    killAllOwned();
  }

  const rows = aggregate(seeds, samples, BASELINE);
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const baselineLabel = gatewayProfiles.find((p) => p.name === BASELINE)!.label;
  const info = { startedAt: startedAt.toISOString(), options: { ...options }, pinned, node: process.version, baselineLabel, queries: queryDescriptions };
  const resultsDir = join(benchRoot, "results");
  mkdirSync(resultsDir, { recursive: true });
  const markdown = markdownReport(rows, info);
  writeFileSync(
    join(resultsDir, `${stamp}.json`),
    JSON.stringify({ ...info, finishedAt: new Date().toISOString(), machine: { cores: availableParallelism(), loadavg: loadavg() }, rows, samples }, null, 2) + "\n",
  );
  writeFileSync(join(resultsDir, "latest.md"), markdown);
  writeFileSync(join(resultsDir, "latest.svg"), svgChart(rows, `${info.startedAt} · ${options.connections} connections · ${options.durationS}s × ${options.rounds} rounds`));
  // Logs explain an unavailable gateway, so they outlive a run that had one.
  const failed = rows.some((r) => r.status !== "ok");
  if (!failed && !process.env.KEEP_RUN_DIR) rmSync(runDir, { recursive: true, force: true });
  console.log(`\n${markdown}\nwrote bench/results/${stamp}.json, bench/results/latest.md, bench/results/latest.svg`);
  if (failed) console.log(`logs of the unavailable gateways: ${runDir}`);
  if (options.protocols) await protocolOverhead(options);
}

/** Protocol translation's overhead, in the same run: bench/connectors.ts as a child, its report printed here. */
async function protocolOverhead(options: { durationS: number; rounds: number }): Promise<void> {
  console.log("\n== protocols: a field joined through REST (connectors) and gRPC vs the same from a GraphQL subgraph");
  const child = spawn(process.execPath, ["--import", "tsx", join(benchRoot, "connectors.ts"), "--duration", String(options.durationS), "--rounds", String(options.rounds)], {
    cwd: join(benchRoot, ".."),
    stdio: "inherit",
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) console.log(`the protocol overhead run failed (exit ${code}); run it alone with npm run bench:connectors`);
}

main().catch((e: unknown) => {
  console.error("bench failed:", e instanceof Error ? (e.stack ?? e.message) : e);
  killAllOwned();
  process.exitCode = 1;
});
