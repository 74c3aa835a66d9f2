/**
 * The alert rules are valid and do what their tests say: `promtool check rules` and
 * `promtool test rules` (installed from Debian's `prometheus` package when missing). Also checks
 * that the rules and the dashboard only use metric names the gateway actually exports.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensureTool } from "../setup/ensure-tool.ts";
import { limitsMetrics } from "../../gateway/src/limits/metrics.ts";
import { manifestMetrics } from "../../gateway/src/hardening/manifest-metrics.ts";
import { registerReadinessMetrics } from "../../gateway/src/server/readiness-metrics.ts";
import { GatewayMetrics } from "../../gateway/src/telemetry/metrics.ts";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const rulesDir = resolve(root, "deploy/prometheus");
let promtool: string;

before(async () => {
  promtool = await ensureTool("promtool", "prometheus");
}, { timeout: 600_000 });

async function promtoolRun(...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(promtool, args, { cwd: rulesDir });
    return { ok: true, output: stdout + stderr };
  } catch (e) {
    const failure = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failure.stdout ?? ""}${failure.stderr ?? ""}` || failure.message };
  }
}

/** Metric names the gateway registers: the gateway's, the limits' and readiness's metrics, on one registry. */
function exportedMetricNames(): Set<string> {
  const metrics = new GatewayMetrics({ operationNames: [], maxOperationNames: 1, processMetrics: false, latencyBuckets: [1] });
  limitsMetrics(metrics.registry);
  manifestMetrics(metrics.registry);
  registerReadinessMetrics(metrics.registry, async () => ({ ready: true, supergraph: "loaded", listener: "up", draining: false, subgraphs: {} }));
  return new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));
}

function usedGatewayMetrics(text: string, exported: Set<string>): string[] {
  const unknown: string[] = [];
  for (const [name] of text.matchAll(/\bgateway_[a-z_]+/g)) {
    const base = name.replace(/_(bucket|sum|count)$/, "");
    if (!exported.has(name) && !exported.has(base)) unknown.push(name);
  }
  return [...new Set(unknown)];
}

describe("alert rules", () => {
  it("pass promtool check rules", async () => {
    const result = await promtoolRun("check", "rules", "alerts.yml");
    assert.ok(result.ok, result.output);
    assert.match(result.output, /SUCCESS: 8 rules found/);
  });

  it("pass their unit tests (error-rate spike, p99, ejected instance, rate-limit surge, refused supergraph, refused manifest, unreachable JWKS, subgraph down)", async () => {
    const result = await promtoolRun("test", "rules", "alerts.test.yml");
    assert.ok(result.ok, result.output);
  });

  it("and the dashboard use only metric names the gateway exports", () => {
    const exported = exportedMetricNames();
    assert.ok(exported.has("gateway_requests_total"));
    assert.deepEqual(usedGatewayMetrics(readFileSync(resolve(rulesDir, "alerts.yml"), "utf8"), exported), []);
    assert.deepEqual(usedGatewayMetrics(readFileSync(resolve(root, "deploy/grafana/gateway-dashboard.json"), "utf8"), exported), []);
  });
});
