/**
 * Graceful shutdown: stop accepting, finish what is in flight, exit 0.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { startDelayProxy, type DelayProxy } from "../helpers/delay-proxy.ts";
import { startTestGateway } from "../helpers/gateway.ts";
import { gql } from "../helpers/subgraphs.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

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

const routing = () => ({ ...subgraphs.routing, auth: { url: slowAuth.url } });

describe("graceful shutdown", () => {
  it("drains an in-flight request before stopping and refuses new connections", async () => {
    const gateway = await startTestGateway({ subgraphs: routing(), server: { shutdownGraceMs: 5_000 } });
    const inFlight = gql(gateway.url, `{ me { id } }`);
    await sleep(150);
    const stopped = gateway.stop();
    const r = await inFlight;
    assert.equal(r.status, 200);
    assert.deepEqual(r.data, { me: null });
    assert.deepEqual(await stopped, { drained: true });
    await assert.rejects(fetch(gateway.url, { method: "POST" }), /fetch failed/);
  });

  it("cuts requests that outlive the grace period and still stops", async () => {
    const gateway = await startTestGateway({ subgraphs: routing(), server: { shutdownGraceMs: 100 } });
    const inFlight = gql(gateway.url, `{ me { id } }`).catch((e: Error) => e);
    await sleep(50);
    assert.deepEqual(await gateway.stop(), { drained: false });
    await inFlight;
  });

  it("exits 0 on SIGTERM after answering the request in flight", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-sigterm-"));
    const configFile = join(dir, "gateway.json");
    writeFileSync(configFile, JSON.stringify({ server: { port: 0 }, supergraph: { watch: false }, subgraphs: routing() }));
    const child = spawn(process.execPath, ["--import", "tsx", "gateway/src/main.ts", "--config", configFile], { stdio: ["ignore", "pipe", "inherit"] });
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
      const inFlight = gql(url, `{ me { id } }`);
      await sleep(150);
      child.kill("SIGTERM");
      const r = await inFlight;
      assert.equal(r.status, 200);
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
