/**
 * Runs child processes for `npm start` and stops them so that each receives exactly one signal.
 *
 * Ctrl-C in a terminal sends SIGINT to the whole foreground process group. Children in the
 * launcher's group would get that SIGINT and then the launcher's own SIGTERM: the gateway takes
 * a second signal as "exit now, without draining" and drops the requests in flight. So every
 * child runs detached, in a process group of its own: the terminal's signal reaches only the
 * launcher (and npm above it), and the launcher sends each child one SIGTERM.
 *
 * Stopping goes by tier, highest first: the gateway (tier 1) drains while the subgraphs it is
 * still calling for in-flight requests (tier 0) keep answering, and only then are they stopped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { ProcessSpec } from "./plan.ts";

export interface SupervisorOptions {
  /** Working directory of every child. */
  cwd: string;
  /** A child still running this long after its SIGTERM is killed, so no orphan survives the launcher. */
  killAfterMs: number;
  /** A restartable child that dies is started again after this delay, at most `max` times per `windowMs`. */
  restart?: { delayMs: number; max: number; windowMs: number };
  /** Where the supervisor's own lines go (stderr by default). */
  log?: (line: string) => void;
}

interface Supervised {
  spec: ProcessSpec;
  tier: number;
  restartable: boolean;
  child: ChildProcess;
}

export class Supervisor {
  private readonly running = new Set<Supervised>();
  private readonly restarts = new Map<string, number[]>();
  private stopping: Promise<void> | undefined;
  private readonly restart: NonNullable<SupervisorOptions["restart"]>;
  private readonly log: (line: string) => void;

  constructor(private readonly options: SupervisorOptions) {
    this.restart = options.restart ?? { delayMs: 2_000, max: 5, windowMs: 60_000 };
    this.log = options.log ?? ((line) => console.error(line));
    // An exception in the launcher must not leave detached children behind.
    process.once("exit", () => {
      for (const s of this.running) if (isRunning(s.child)) s.child.kill("SIGKILL");
    });
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * Starts one process. A restartable one that dies is started again within the budget;
   * any other unexpected exit stops everything with exit code 1.
   */
  launch(spec: ProcessSpec, { tier, restartable }: { tier: number; restartable: boolean }): ChildProcess {
    const child = spawn(process.execPath, [...spec.nodeArgs, ...spec.args], {
      cwd: this.options.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    });
    const entry: Supervised = { spec, tier, restartable, child };
    this.running.add(entry);
    child.once("exit", (code, signal) => {
      this.running.delete(entry);
      if (this.stopping) return;
      const now = Date.now();
      const recent = (this.restarts.get(spec.name) ?? []).filter((t) => now - t < this.restart.windowMs);
      if (restartable && recent.length < this.restart.max) {
        this.restarts.set(spec.name, [...recent, now]);
        this.log(`${spec.name} exited (${signal ?? `code ${code}`}); starting it again in ${this.restart.delayMs / 1000} s (the gateway routes around it meanwhile)`);
        setTimeout(() => {
          if (!this.stopping) this.launch(spec, { tier, restartable });
        }, this.restart.delayMs).unref();
        return;
      }
      this.log(`${spec.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the system`);
      void this.stopAll().then(() => process.exit(1));
    });
    return child;
  }

  /** Sends each running child one SIGTERM, highest tier first, waiting for a tier to exit before the next. Idempotent. */
  stopAll(): Promise<void> {
    return (this.stopping ??= (async () => {
      const tiers = [...new Set([...this.running].map((s) => s.tier))].sort((a, b) => b - a);
      for (const tier of tiers) {
        await Promise.all([...this.running].filter((s) => s.tier === tier).map((s) => this.terminate(s.child)));
      }
    })());
  }

  /**
   * SIGINT and SIGTERM to the launcher stop everything and exit 0. A repeated signal (npm
   * forwards the terminal's SIGINT too, and people press Ctrl-C twice) changes nothing: the
   * children already have theirs, and the kill deadline bounds the wait.
   */
  stopOnSignals(): void {
    let first = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.stopping) {
        if (Date.now() - first > 500) this.log(`${signal} again: still waiting for the processes to finish their work (at most ${this.options.killAfterMs / 1000} s each)`);
        return;
      }
      first = Date.now();
      void this.stopAll().then(() => process.exit(0));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }

  private terminate(child: ChildProcess): Promise<void> {
    if (!isRunning(child)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), this.options.killAfterMs);
      timer.unref();
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
