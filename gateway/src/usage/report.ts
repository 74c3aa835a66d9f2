/**
 * The schema check's report as a readable table (and, for `--json`, the report object as is).
 * Breaking changes first, then dangerous, then safe; each affected operation names its clients
 * with their counts and last execution.
 */
import { clientLabel } from "./client-id.ts";
import type { CheckReport, DeprecatedUsage, OperationRef } from "./check.ts";
import type { ClientUsage } from "./store.ts";

/** `window` completes "recorded …": "in the last 7d", or "in test/fixtures/usage-operations.json". */
export function formatCheckReport(report: CheckReport, window: string): string {
  const lines: string[] = [];
  const by = (severity: string) => report.changes.filter((c) => c.severity === severity);
  const breaking = by("breaking");
  const dangerous = by("dangerous");
  const safe = by("safe");
  lines.push(`schema check: ${breaking.length} breaking, ${dangerous.length} dangerous, ${safe.length} safe change(s); ${report.recordedOperations} operation(s) recorded ${window}, ${report.persistedOperations} persisted`);
  for (const change of [...breaking, ...dangerous]) {
    const used = change.operations.length + change.persisted.length;
    const verdict = used === 0 ? (change.severity === "breaking" ? "unused in the window: passes" : "unused in the window") : `used by ${change.operations.length} recorded and ${change.persisted.length} persisted operation(s)`;
    lines.push("");
    lines.push(`${change.severity.toUpperCase().padEnd(9)} ${change.coordinate.padEnd(40)} ${change.description}`);
    lines.push(`          ${verdict}`);
    for (const op of change.operations) lines.push(`          - ${operationLabel(op)}: ${clientsLabel(op.clients)}`);
    for (const p of change.persisted) lines.push(`          - persisted ${p.id}${p.name ? ` (${p.name})` : ""}`);
  }
  if (safe.length > 0) {
    lines.push("");
    for (const change of safe) lines.push(`SAFE      ${change.coordinate.padEnd(40)} ${change.description}`);
  }
  if (report.invalidRecorded.length > 0) {
    lines.push("", "recorded operations that no longer validate:");
    for (const op of report.invalidRecorded) lines.push(`  - ${operationLabel(op)}: ${clientsLabel(op.clients)}`, ...op.errors.map((e) => `      ${e}`));
  }
  if (report.invalidPersisted.length > 0) {
    lines.push("", "persisted operations that no longer validate:");
    for (const p of report.invalidPersisted) lines.push(`  - ${p.id}${p.name ? ` (${p.name})` : ""}`, ...p.errors.map((e) => `      ${e}`));
  }
  lines.push("", report.passed ? "result: PASS (no recorded or persisted operation breaks)" : "result: FAIL (a change breaks recorded or persisted operations)");
  return lines.join("\n");
}

export function formatDeprecatedReport(usages: readonly DeprecatedUsage[], window: string): string {
  if (usages.length === 0) return "no deprecated fields, arguments, input fields or enum values in the schema";
  const lines = [`deprecated coordinates and the clients that used them ${window}:`];
  for (const u of usages) {
    lines.push("", `${u.coordinate}  (${u.reason})`);
    if (u.clients.length === 0) lines.push("  no client used it in the window: it can be removed");
    for (const c of u.clients) lines.push(`  - ${clientLabel(c).padEnd(30)} ${String(c.count).padStart(8)}×  last seen ${iso(c.lastSeen)}`);
  }
  return lines.join("\n");
}

const operationLabel = (op: OperationRef) => `${op.type} ${op.name ?? "(anonymous)"} [${op.hash.slice(0, 12)}]`;
const clientsLabel = (clients: readonly ClientUsage[]) => clients.map((c) => `${clientLabel(c)} (${c.count}×, last ${iso(c.lastSeen)})`).join(", ");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** `7d`, `12h`, `30m`, `90s` → milliseconds. */
export function parseWindow(text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  if (!m) throw new Error(`--window expects a number and a unit (s, m, h, d), e.g. 7d; got "${text}"`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
}
