/**
 * Starting and stopping the gateways under test. A target is anything the load is pointed
 * at: a launched gateway (with a process tree to measure) or a subgraph called directly.
 */
import { createServer } from "node:net";
import { join } from "node:path";
import type { GatewayProfile, LaunchContext } from "./gateways.ts";
import { postGraphql } from "./graphql-client.ts";
import { processTree } from "./proc-stats.ts";
import { pinPids, spawnOwned, type Owned } from "./processes.ts";

export interface Target {
  name: string;
  label: string;
  url: string;
  headers: Record<string, string>;
  /** Per header, values that requests under load take in turn (see GatewayProfile). */
  rotatingHeaders?: Record<string, readonly string[]>;
  /** The gateway's root pid; undefined for a subgraph called directly (its CPU is not the gateway's). */
  pid?: number;
  process?: Owned;
}

export type StartOutcome = { ok: true; target: Target } | { ok: false; reason: string };

/** A free loopback port; the tiny race until the gateway binds it is acceptable on a bench box. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * Launches a profile and waits until `{ __typename }` answers 200 with data, then pins its whole
 * process tree to `core`. Starting unpinned lets several gateways boot in parallel on both cores.
 */
export async function startGateway(
  profile: GatewayProfile,
  ctx: Omit<LaunchContext, "port">,
  suite: string,
  core: number,
  readyTimeoutMs = 90_000,
): Promise<StartOutcome> {
  const port = await freePort();
  const launch = profile.launch({ ...ctx, port });
  const owned = spawnOwned({
    name: profile.name,
    command: launch.command,
    args: launch.args,
    core: "any",
    cwd: launch.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...launch.env },
    logFile: join(ctx.runDir, `${suite}.${profile.name}.log`),
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  const headers = profile.headers ?? {};
  let exited = false;
  void owned.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline && !exited) {
    try {
      const reply = await postGraphql(url, "{ __typename }", headers, 2_000);
      if (reply.status === 200 && reply.body?.data) {
        if (!profile.unpinned) pinPids(processTree(owned.pid), core);
        return {
          ok: true,
          target: { name: profile.name, label: profile.label, url, headers, ...(profile.rotatingHeaders ? { rotatingHeaders: profile.rotatingHeaders } : {}), pid: owned.pid, process: owned },
        };
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const why = exited ? "exited during start" : `not ready after ${readyTimeoutMs / 1000}s`;
  const lastLine = owned.tail(40).split("\n").filter((l) => /error|Error|ERR/.test(l)).slice(-1)[0] ?? owned.tail(1);
  await owned.stop(2_000);
  return { ok: false, reason: `${why}${lastLine ? `: ${lastLine.trim().slice(0, 200)}` : ""} (log: ${owned.logFile})` };
}
