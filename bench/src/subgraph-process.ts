/** Starts bench/subgraphs/main.ts pinned to the load core and reads back its URLs. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnOwned, type Owned } from "./processes.ts";

export interface LeanSubgraphs {
  process: Owned;
  /** suite → subgraph name → URL */
  urls: Record<string, Record<string, string>>;
  /** Requests received so far by the subgraphs of one suite. */
  count(suite: string): Promise<number>;
}

export async function startLeanSubgraphs(benchRoot: string, runDir: string, core: number): Promise<LeanSubgraphs> {
  const logFile = join(runDir, "subgraphs.log");
  const owned = spawnOwned({
    name: "lean subgraphs",
    command: process.execPath,
    args: ["--import", "tsx", join(benchRoot, "subgraphs/main.ts")],
    core,
    cwd: join(benchRoot, ".."),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" },
    logFile,
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const line = readFileSync(logFile, "utf8").split("\n").find((l) => l.startsWith("{"));
    if (line) {
      const info = JSON.parse(line) as { admin: string; subgraphs: LeanSubgraphs["urls"] };
      return {
        process: owned,
        urls: info.subgraphs,
        async count(suite) {
          const res = await fetch(`${info.admin}/counts`);
          const counts = (await res.json()) as Record<string, number>;
          return Object.entries(counts).reduce((sum, [key, n]) => (key.startsWith(`${suite}/`) ? sum + n : sum), 0);
        },
      };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await owned.stop(1_000);
  throw new Error(`lean subgraphs did not start:\n${owned.tail()}`);
}
