/**
 * Two gateway processes (the real CLI, in child processes) recording into one real Redis:
 * `npm run schema:check --redis` sees the operations and clients of both.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startTestRedis, type TestRedis } from "../helpers/redis.ts";
import { gql } from "../helpers/subgraphs.ts";
import { startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";
import { clientHeaders, committedSupergraph, edits, schemaCheck, supergraphFile, until } from "../helpers/usage.ts";

const dir = mkdtempSync(join(tmpdir(), "usage-redis-"));
let redis: TestRedis;
let subgraphs: TestSubgraphs;
const children: ChildProcess[] = [];

/** Starts `gateway/src/main.ts --config` with REDIS_URL; resolves with its /graphql URL once it listens. */
async function startGatewayProcess(configPath: string): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", "gateway/src/main.ts", "--config", configPath], {
    env: { ...process.env, REDIS_URL: redis.url, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code} before listening`)));
    createInterface({ input: child.stdout! }).on("line", (text) => {
      try {
        const line = JSON.parse(text) as { msg?: string; url?: string };
        if (line.msg === "gateway listening" && line.url) resolve(line.url);
      } catch {
        // not a log line
      }
    });
  });
}

before(async () => {
  redis = await startTestRedis();
  subgraphs = await startTestSubgraphs();
});
after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
  }
  await subgraphs.close();
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("usage recorded in Redis", () => {
  it("lands in one place from two gateway processes, and the check sees both processes' clients", async () => {
    const config = join(dir, "gateway.json");
    writeFileSync(
      config,
      JSON.stringify({
        server: { port: 0 },
        supergraph: { path: supergraphFile(dir, "supergraph.graphql", committedSupergraph), watch: false },
        subgraphs: subgraphs.routing,
        readiness: { checkSubgraphs: false },
        usage: { flushIntervalMs: 100 },
      }),
    );
    const [first, second] = await Promise.all([startGatewayProcess(config), startGatewayProcess(config)]);
    await gql(first, "query Me { me { id email } }", { headers: clientHeaders({ name: "web", version: "1.0" }) });
    await gql(second, "query MeToo { me { email } }", { headers: clientHeaders({ name: "ios", version: "2.0" }) });

    const against = supergraphFile(dir, "committed.graphql", committedSupergraph);
    const changed = supergraphFile(dir, "changed.graphql", edits.removeUserEmail());
    let last = { code: -1, output: "" };
    await until(async () => {
      last = await schemaCheck({ supergraph: changed, against, redis: redis.url, json: true });
      return last.code === 1 && (JSON.parse(last.output) as { recordedOperations: number }).recordedOperations === 2;
    }, 15_000, "both processes' usage flushed to Redis");
    const report = JSON.parse(last.output) as { changes: Array<{ coordinate: string; operations: Array<{ name: string; clients: Array<{ name: string }> }> }> };
    const email = report.changes.find((c) => c.coordinate === "User.email")!;
    assert.deepEqual(email.operations.map((o) => `${o.name}:${o.clients.map((c) => c.name).join()}`).sort(), ["Me:web", "MeToo:ios"]);
  });
});
