/**
 * Ctrl-C on `npm start` drains: the terminal sends SIGINT to the launcher's whole process
 * group, and each process must get exactly one signal, so the gateway finishes the request in
 * flight instead of taking the launcher's follow-up as a second signal ("exit without draining").
 * Real processes: the launcher's supervisor (as `npm start` uses it) runs the compiled gateway.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startDelayProxy, type DelayProxy } from "../helpers/delay-proxy.ts";
import { gql } from "../helpers/subgraphs.ts";
import { until } from "../helpers/subscription-clients.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

const COMPILED_CLI = "dist/gateway/src/main.js";

let subgraphs: TestSubgraphs;
let slowAuth: DelayProxy;
let dir: string;

before(async () => {
  subgraphs = await startTestSubgraphs();
  slowAuth = await startDelayProxy(subgraphs.auth.url, 800);
  dir = mkdtempSync(join(tmpdir(), "launcher-signals-"));
});
after(async () => {
  await slowAuth.close();
  await subgraphs.close();
  rmSync(dir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe("npm start's launcher", () => {
  it("lets the gateway drain a request in flight when Ctrl-C sends SIGINT to the whole process group", async () => {
    assert.ok(existsSync(COMPILED_CLI), `${COMPILED_CLI} is missing: run \`npm run build\` (\`npm test\` does)`);
    const configFile = join(dir, "gateway.json");
    const config = {
      supergraph: { watch: false },
      server: { shutdownGraceMs: 10_000 },
      subgraphs: { ...subgraphs.routing, all: { healthCheck: { enabled: false } }, auth: { url: slowAuth.url } },
      logging: { level: "info" },
    };
    writeFileSync(configFile, JSON.stringify(config));
    const port = await freePort();
    // detached: the launcher leads its own process group, as a terminal's foreground job does.
    const launcher = spawn(process.execPath, ["--import", "tsx", "test/fixtures/supervised-gateway.ts", configFile, String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    launcher.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const lines = createInterface({ input: launcher.stdout! });
    const ready = new Promise<void>((resolve, reject) => {
      lines.on("line", (line) => {
        output += `${line}\n`;
        if (line === "ready") resolve();
      });
      launcher.once("exit", (code) => reject(new Error(`launcher exited (${code}) before the gateway was ready:\n${output}`)));
    });
    const exited = new Promise<number | null>((resolve) => launcher.once("exit", (code) => resolve(code)));
    try {
      await ready;
      const url = `http://127.0.0.1:${port}/graphql`;
      const before = slowAuth.received;
      const answer = gql(url, `{ me { id } }`).catch((e: Error) => e);
      await until(() => slowAuth.received > before, 10_000, "the request to reach the slow auth subgraph");
      // What a terminal's Ctrl-C does: SIGINT to every process in the foreground group.
      process.kill(-launcher.pid!, "SIGINT");
      const r = await answer;
      assert.ok(!(r instanceof Error), `the request in flight failed: ${String(r)}\n${output}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.data, { me: null });
      assert.equal(await exited, 0);
      assert.doesNotMatch(output, /second signal/, "the gateway got one signal");
      assert.match(output, /"shutdown requested"/);
      assert.match(output, /"drained":true/);
    } finally {
      // On failure: SIGTERM lets the launcher stop its (detached) gateway; SIGKILL if it does not.
      if (launcher.exitCode === null) {
        launcher.kill("SIGTERM");
        const timer = setTimeout(() => launcher.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
    }
  });
});
