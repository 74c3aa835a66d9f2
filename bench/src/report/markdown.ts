/** The results as one Markdown table, ratios to the baseline in their own column. */
import type { Row } from "../results.ts";

export interface RunInfo {
  startedAt: string;
  options: Record<string, unknown>;
  pinned: boolean;
  node: string;
  baselineLabel: string;
  queries: Record<string, string>;
}

const fmt = (x: number | null, digits: number) => (x === null ? "–" : x.toFixed(digits));
const times = (x: number | null) => (x === null ? "–" : `${x.toFixed(2)}×`);

export function markdownReport(rows: Row[], info: RunInfo): string {
  const head = [
    "query", "gateway", "CPU ms/req", "req/s", "p50 ms", "p99 ms", "errors", "peak RSS MB", "subgraph req/req", "same JSON",
    `vs ${info.baselineLabel}: req/s · CPU/req · p99 · RSS`,
  ];
  const lines = [
    `# Gateway benchmark, ${info.startedAt}`,
    "",
    `Node ${info.node}; ${info.pinned ? "gateway pinned to core 0, wrk and subgraphs to core 1" : "NOT pinned (taskset or a second core missing)"}; ` +
      `options ${JSON.stringify(info.options)}.`,
    "",
    `| ${head.join(" | ")} |`,
    `|${head.map((_, i) => (i < 2 || i === 9 || i === 10 ? "---" : "---:")).join("|")}|`,
  ];
  for (const r of rows) {
    if (r.status !== "ok") {
      lines.push(`| ${r.query} | ${r.label} | ${r.status} | | | | | | | | |`);
      continue;
    }
    const same = r.sameData.startsWith("MISMATCH") ? `**${r.sameData}**` : r.sameData === "reference" ? "ref" : "yes";
    const ratios = `${times(r.ratios.rps)} · ${times(r.ratios.cpuPerRequest)} · ${times(r.ratios.p99)} · ${times(r.ratios.peakRss)}`;
    lines.push(
      `| ${r.query} | ${r.label} | ${fmt(r.cpuMsPerRequest, 3)} | ${fmt(r.rps, 0)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${r.errors} | ` +
        `${fmt(r.peakRssMb, 0)} | ${fmt(r.subgraphRequestsPerRequest, 2)} | ${same} | ${ratios} |`,
    );
  }
  lines.push("", "Queries:", ...Object.entries(info.queries).map(([name, d]) => `- **${name}**: ${d}`));
  const busy = rows.filter((r) => (r.subgraphCorePct ?? 0) > 70);
  if (busy.length > 0) {
    lines.push("", `Note: the lean subgraphs used over 70% of the load core for ${busy.map((r) => `${r.query}/${r.target}`).join(", ")}; those rows' req/s may be capped by the load core, CPU ms/req is not.`);
  }
  const thin = rows.filter((r) => r.thin);
  if (thin.length > 0) {
    lines.push("", `Note: ${thin.map((r) => `${r.query}/${r.target}`).join(", ")} completed fewer than 4 requests per connection; their req/s and latencies are rough, lengthen --duration.`);
  }
  const mismatched = rows.filter((r) => r.sameData.startsWith("MISMATCH"));
  if (mismatched.length > 0) lines.push("", `**DATA MISMATCH** for ${mismatched.map((r) => `${r.query}/${r.target}`).join(", ")}: their numbers are not comparable.`);
  return lines.join("\n") + "\n";
}
