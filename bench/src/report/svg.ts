/**
 * A hand-written SVG chart: small multiples, one row per metric (throughput, p99 latency) and
 * one column per query, each cell with its own linear scale from zero. Queries differ by
 * orders of magnitude, so a shared scale would flatten the slow ones; within a cell, bar
 * heights compare gateways directly. Only gateways are drawn (not the subgraph floor).
 */
import type { Row } from "../results.ts";

const COLORS = ["#2f6fdf", "#e0663a", "#3aa655", "#9b59b6", "#c9a227", "#17a2b8", "#7f7f7f"];
const CELL_W = 320;
const CELL_H = 230;
const PAD = { top: 44, right: 16, bottom: 20, left: 56 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const short = (x: number) => (x >= 1000 ? `${Number((x / 1000).toFixed(2))}k` : x >= 10 ? String(Number(x.toFixed(1))) : String(Number(x.toFixed(2))));

/** The smallest "round" number ≥ x whose quarters are round too. */
function niceMax(x: number): number {
  if (x <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 4, 6, 8, 10].map((m) => m * step).find((v) => v >= x) ?? 10 * step;
}

interface Metric {
  title: string;
  value: (r: Row) => number | null;
}

function cell(rows: Row[], targets: string[], query: string, metric: Metric, x0: number, y0: number): string {
  const plotW = CELL_W - PAD.left - PAD.right;
  const plotH = CELL_H - PAD.top - PAD.bottom;
  const values = targets.map((t) => {
    const row = rows.find((r) => r.query === query && r.target === t);
    return row ? metric.value(row) : null;
  });
  const max = niceMax(Math.max(0, ...values.map((v) => v ?? 0)));
  const slot = plotW / Math.max(1, targets.length);
  const out = [`<g transform="translate(${x0},${y0})">`, `<text x="${PAD.left + plotW / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(`${metric.title} · ${query}`)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + plotH - (plotH * i) / 4;
    out.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" font-size="10" fill="#555">${short((max * i) / 4)}</text>`);
  }
  values.forEach((v, i) => {
    if (v === null) return;
    const h = (plotH * v) / max;
    const x = PAD.left + i * slot + slot * 0.15;
    const y = PAD.top + plotH - h;
    out.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[i % COLORS.length]}"><title>${esc(`${targets[i]} · ${query}: ${v.toFixed(2)}`)}</title></rect>`);
    out.push(`<text x="${(x + slot * 0.35).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="10" fill="#333">${short(v)}</text>`);
  });
  out.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#333"/>`, "</g>");
  return out.join("\n");
}

export function svgChart(rows: Row[], subtitle: string): string {
  const measured = rows.filter((r) => r.status === "ok" && r.rounds > 0 && r.kind === "gateway");
  const targets = [...new Set(measured.map((r) => r.target))];
  const queries = [...new Set(measured.map((r) => r.query))];
  const labels = new Map(measured.map((r) => [r.target, r.label]));
  const metrics: Metric[] = [
    { title: "req/s (higher is better)", value: (r) => r.rps },
    { title: "p99 ms (lower is better)", value: (r) => r.p99Ms },
  ];
  const width = Math.max(640, CELL_W * queries.length);
  const legendY = CELL_H * metrics.length + 10;
  const perLine = Math.max(1, Math.floor(width / 320));
  const height = legendY + 20 * Math.ceil(targets.length / perLine) + 24;
  const cells = metrics.flatMap((m, mi) => queries.map((q, qi) => cell(measured, targets, q, m, qi * CELL_W, mi * CELL_H)));
  const legend = targets.map((t, i) => {
    const x = 16 + (i % perLine) * 320;
    const y = legendY + Math.floor(i / perLine) * 20;
    return `<rect x="${x}" y="${y}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 18}" y="${y + 11}" font-size="12">${esc(labels.get(t) ?? t)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...cells,
    ...legend,
    `<text x="${width - 10}" y="${height - 8}" text-anchor="end" font-size="10" fill="#777">${esc(subtitle)}</text>`,
    "</svg>",
  ].join("\n") + "\n";
}
