/**
 * Child processes the harness owns. Each runs in its own process group (detached), pinned to
 * a core with taskset when pinning is available, with stdout/stderr in a log file so a chatty
 * child can never block on a full pipe. Every group is killed on stop, on exit and on Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

export interface Owned {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM to the whole group, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Last lines of the log, for error messages. */
  tail(lines?: number): string;
}

export interface SpawnSpec {
  name: string;
  command: string;
  args: string[];
  /**
   * Core to pin to. `any` allows every core: children inherit this (pinned) harness's
   * affinity otherwise.
   */
  core: number | "any";
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
}

const groups = new Set<number>();

/** Whether `taskset` exists and the machine has at least two cores to split. */
export function pinningAvailable(cores: number): boolean {
  return cores >= 2 && spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
}

let pinning = false;
/** Set once at start; when false, `core` in a spec is ignored. */
export function enablePinning(on: boolean): void {
  pinning = on;
}

/** Pins this process (all its threads) to a core, so the harness stays off the gateway's core. */
export function pinSelf(core: number): void {
  if (pinning) spawnSync("taskset", ["-a", "-p", "-c", String(core), String(process.pid)], { stdio: "ignore" });
}

/**
 * Pins every thread of every process in `pids` to a core. Threads and processes created later
 * inherit it, so a gateway may start unpinned (startup is not measured) and be pinned once ready.
 */
export function pinPids(pids: number[], core: number): void {
  if (!pinning) return;
  for (const pid of pids) spawnSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
}

export function spawnOwned(spec: SpawnSpec): Owned {
  const cpuList = spec.core === "any" ? `0-${availableParallelism() - 1}` : String(spec.core);
  const [command, args] = pinning ? ["taskset", ["-c", cpuList, spec.command, ...spec.args]] : [spec.command, spec.args];
  const fd = openSync(spec.logFile, "a");
  const child: ChildProcess = spawn(command, args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${spec.name}`);
  groups.add(pid);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      resolve(code);
    });
    child.once("error", () => resolve(null));
  });
  let alive = true;
  void exited.then(() => {
    alive = false;
  });
  return {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    exited,
    async stop(graceMs = 5_000) {
      if (alive) {
        signalGroup(pid, "SIGTERM");
        const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
        if ((await Promise.race([exited, timer])) === "timeout") signalGroup(pid, "SIGKILL");
        await exited;
      }
      // Workers (Hive's --fork) may outlive their parent; the group outlives neither.
      signalGroup(pid, "SIGKILL");
      groups.delete(pid);
    },
    tail(lines = 20) {
      try {
        return readFileSync(spec.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
      } catch {
        return "";
      }
    },
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Last-resort cleanup, synchronous so it also runs from process.on("exit"). */
export function killAllOwned(): void {
  for (const pgid of groups) signalGroup(pgid, "SIGKILL");
  groups.clear();
}

/** Runs `cleanup` on Ctrl-C / SIGTERM before exiting, and kills any leftover group on exit. */
export function installCleanup(cleanup: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      killAllOwned();
      process.exit(130);
    }
    stopping = true;
    console.error(`\n${signal}: stopping everything the benchmark started…`);
    const hard = setTimeout(() => {
      killAllOwned();
      process.exit(130);
    }, 10_000);
    hard.unref();
    cleanup().finally(() => {
      killAllOwned();
      process.exit(130);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("exit", killAllOwned);
}
