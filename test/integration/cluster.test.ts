/**
 * `--workers N`: the primary forks N gateway workers on one port, and SIGTERM drains them all.
 * The real CLI as `npm run gateway` runs it, in a child process.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

interface LogLine {
  msg?: string;
  worker?: number;
  url?: string;
}

describe("a clustered gateway", () => {
  it("serves from N workers on one port, and SIGTERM drains every worker before the primary exits", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "gateway/src/main.ts", "--workers", "2", "--port", "0", "--supergraph", "schema/supergraph.graphql"], {
      env: { ...process.env, LOG_LEVEL: "info", NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: LogLine[] = [];
    const listening: LogLine[] = [];
    let allListening!: () => void;
    const ready = new Promise<void>((r) => (allListening = r));
    createInterface({ input: child.stdout! }).on("line", (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      lines.push(line);
      if (line.msg === "gateway listening") {
        listening.push(line);
        if (listening.length === 2) allListening();
      }
    });
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await Promise.race([ready, exited.then(() => assert.fail("the primary exited before its workers listened"))]);
      assert.equal(new Set(listening.map((l) => l.worker)).size, 2, "two workers");
      assert.equal(new Set(listening.map((l) => l.url)).size, 1, "one shared port");
      const health = await fetch(listening[0]!.url!.replace("/graphql", "/healthz"));
      assert.equal(health.status, 200);

      child.kill("SIGTERM");
      const [code] = await exited;
      assert.equal(code, 0);
      const stopped = lines.filter((l) => l.msg === "gateway stopped").map((l) => l.worker);
      assert.deepEqual(new Set(stopped), new Set(listening.map((l) => l.worker)), "every worker drained and stopped");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
