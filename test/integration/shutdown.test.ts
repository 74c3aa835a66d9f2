/**
 * Graceful shutdown: stop accepting, finish what is in flight, exit 0.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startDelayProxy, type DelayProxy } from "../helpers/delay-proxy.ts";
import { startTestGateway } from "../helpers/gateway.ts";
import { gql } from "../helpers/subgraphs.ts";
import { until } from "../helpers/subscription-clients.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

/** What `npm run build` writes and production runs. */
const COMPILED_CLI = "dist/gateway/src/main.js";

let subgraphs: TestSubgraphs;
let slowAuth: DelayProxy;

before(async () => {
  subgraphs = await startTestSubgraphs();
  slowAuth = await startDelayProxy(subgraphs.auth.url, 600);
});
after(async () => {
  await slowAuth.close();
  await subgraphs.close();
});

// No health checks: the slow proxy then counts only the request under test.
const routing = () => ({ ...subgraphs.routing, all: { healthCheck: { enabled: false } }, auth: { url: slowAuth.url } });

/** Starts `{ me { id } }` and resolves once the slow auth proxy holds it (the gateway has it in flight). */
async function meInFlight(url: string) {
  const before = slowAuth.received;
  const inFlight = gql(url, `{ me { id } }`).catch((e: Error) => e);
  await until(() => slowAuth.received > before, 10_000, "the request to reach the auth subgraph");
  return { answer: inFlight };
}

describe("graceful shutdown", () => {
  it("drains an in-flight request before stopping and refuses new connections", async () => {
    const gateway = await startTestGateway({ subgraphs: routing(), server: { shutdownGraceMs: 5_000 } });
    const { answer } = await meInFlight(gateway.url);
    const stopped = gateway.stop();
    const r = await answer;
    assert.ok(!(r instanceof Error), String(r));
    assert.equal(r.status, 200);
    assert.deepEqual(r.data, { me: null });
    assert.deepEqual(await stopped, { drained: true });
    await assert.rejects(fetch(gateway.url, { method: "POST" }), /fetch failed/);
  });

  it("with server.drainDelayMs answers /readyz 503 but still serves for that long, then closes the listener", async () => {
    const gateway = await startTestGateway({ subgraphs: routing(), server: { shutdownGraceMs: 5_000, drainDelayMs: 1_000 } });
    const readyz = gateway.url.replace("/graphql", "/readyz");
    assert.equal((await fetch(readyz)).status, 200);
    const started = Date.now();
    const stopped = gateway.stop();
    const report = await fetch(readyz);
    assert.equal(report.status, 503, "a load balancer polling /readyz takes the replica out first");
    assert.equal(((await report.json()) as { draining: boolean }).draining, true);
    const r = await gql(gateway.url, `{ __typename }`);
    assert.equal(r.status, 200, "requests are still served while the load balancer catches up");
    assert.deepEqual(await stopped, { drained: true });
    assert.ok(Date.now() - started >= 1_000, "the listener stayed open for the delay");
    await assert.rejects(fetch(gateway.url, { method: "POST" }), /fetch failed/);
  });

  it("cuts requests that outlive the grace period and still stops", async () => {
    const gateway = await startTestGateway({ subgraphs: routing(), server: { shutdownGraceMs: 100 } });
    const { answer } = await meInFlight(gateway.url);
    assert.deepEqual(await gateway.stop(), { drained: false });
    await answer;
  });

  it("exits 0 on SIGTERM after answering the request in flight (the compiled CLI, with a .ts config)", async () => {
    assert.ok(existsSync(COMPILED_CLI), `${COMPILED_CLI} is missing: run \`npm run build\` (\`npm test\` does)`);
    const dir = mkdtempSync(join(tmpdir(), "gw-sigterm-"));
    // A TypeScript config outside any package: plain Node cannot import it, the gateway loads it through tsx.
    const configFile = join(dir, "gateway.config.ts");
    const config = { server: { port: 0 }, supergraph: { watch: false }, subgraphs: routing() };
    writeFileSync(configFile, `const config: Record<string, unknown> = ${JSON.stringify(config)};\nexport default config;\n`);
    const child = spawn(process.execPath, [COMPILED_CLI, "--config", configFile], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        lines.on("line", (line) => {
          try {
            const entry = JSON.parse(line) as { msg?: string; url?: string };
            if (entry.msg === "gateway listening" && entry.url) resolve(entry.url);
          } catch {
            // not a log line
          }
        });
        child.once("exit", () => reject(new Error("gateway exited before listening")));
      });
      const { answer } = await meInFlight(url);
      child.kill("SIGTERM");
      const r = await answer;
      assert.ok(!(r instanceof Error), String(r));
      assert.equal(r.status, 200);
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
