/**
 * CPU time and memory of a process tree, read from /proc. A gateway that forks workers
 * (Hive's --fork) is measured as the root plus every descendant alive at sampling time.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const clockTicks = (() => {
  const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number.parseInt(out.stdout ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

interface StatLine {
  ppid: number;
  cpuTicks: number;
}

function readStat(pid: number): StatLine | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // Fields after the name: state(0) ppid(1) … utime(11) stime(12).
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** The root pid and all its live descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat === undefined) continue;
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < 10_000) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** User + system CPU of the tree, in milliseconds. */
export function treeCpuMs(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) ticks += readStat(pid)?.cpuTicks ?? 0;
  return (ticks * 1000) / clockTicks;
}

function statusKb(pid: number, key: "VmRSS" | "VmHWM"): number {
  try {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of the tree now, in bytes. */
export function treeRssBytes(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + statusKb(pid, "VmRSS") * 1024, 0);
}

/** Samples the tree's RSS on an interval; `stop()` returns the highest sum seen. */
export function samplePeakRss(root: number, intervalMs = 250): { stop(): number } {
  let peak = treeRssBytes(root);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssBytes(root));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, treeRssBytes(root));
    },
  };
}

/**
 * Waits until the tree stops burning CPU (under `idleMs` of CPU per `intervalMs`), bounded by
 * `timeoutMs`. Requests the load generator abandoned at the end of a window keep the gateway
 * busy for a while, and that work must land in the window that caused it, not the next one.
 */
export async function waitIdle(roots: number[], timeoutMs = 60_000, intervalMs = 250, idleMs = 10): Promise<void> {
  const total = () => roots.reduce((sum, pid) => sum + treeCpuMs(pid), 0);
  const deadline = Date.now() + timeoutMs;
  let last = total();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    const now = total();
    if (now - last <= idleMs) return;
    last = now;
  }
}
