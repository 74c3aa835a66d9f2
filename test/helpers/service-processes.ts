/**
 * Subgraphs as their own `subgraphs/main.ts` processes on SQLite files, for tests that kill one
 * (SIGKILL) and start it again on the same port and file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "../../subgraphs/shared/paths.ts";

export { freePort } from "./replicas.ts";

export interface ServiceProcess {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Runs one subgraph process and resolves once it logs that it listens. */
export async function startService(service: "orders" | "payments" | "delivery", port: number, dbPath: string, env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "subgraphs/main.ts", service, "--port", String(port), "--db", dbPath], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${service} did not start within 30 s`)), 30_000);
    child.once("exit", (code) => reject(new Error(`${service} exited with ${code} before listening`)));
    // Read every line, or a full pipe would stall the process.
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.includes(`"${service} subgraph listening"`)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, exited };
}

/** SIGKILL, and wait for the exit; nothing when it already exited. */
export async function kill(service: ServiceProcess | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill("SIGKILL");
  await service.exited;
}
