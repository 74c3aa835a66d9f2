import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { createAuthSubgraph } from "../../subgraphs/auth/index.ts";
import { REPO_ROOT } from "../../subgraphs/shared/paths.ts";
import { tempDir, TEST_LOG_LEVEL } from "../helpers/subgraphs.ts";

/** Runs subgraphs/main.ts and resolves with the first JSON log line matching `until`, plus the process. */
function runCli(args: string[], until: (line: Record<string, unknown>) => boolean) {
  const child = spawn(process.execPath, ["--import", "tsx", "subgraphs/main.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`exited with ${code} before the expected line`)));
    createInterface({ input: child.stdout }).on("line", (text) => {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      if (until(parsed)) resolve(parsed);
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, line, exited };
}

describe("subgraph CLI", { concurrency: true }, () => {
  it("starts a service on the given port and database, logs one listening line, and stops on SIGTERM", async () => {
    const run = runCli(["orders", "--port", "0", "--db", ":memory:"], (line) => line.msg === "orders subgraph listening");
    const listening = await run.line;
    assert.equal(listening.service, "orders");
    const health = await fetch(new URL("/healthz", String(listening.url)));
    assert.equal(health.status, 200);
    run.child.kill("SIGTERM");
    assert.equal(await run.exited, 0);
  });

  it("rotates the auth signing key of a database with --rotate-key, and a running server publishes it", async () => {
    const dir = tempDir();
    const dbPath = join(dir.path, "auth.db");
    const auth = await createAuthSubgraph({ dbPath, port: 0, logLevel: TEST_LOG_LEVEL });
    try {
      const run = runCli(["auth", "--rotate-key", "--db", dbPath], (line) => line.msg === "signing key rotated");
      const { kid } = await run.line;
      assert.equal(await run.exited, 0);
      const jwks = (await (await fetch(auth.jwksUrl)).json()) as { keys: { kid: string }[] };
      assert.equal(jwks.keys.length, 2);
      assert.equal(jwks.keys[0]!.kid, kid, "the new key is listed first, as the signing key");
    } finally {
      await auth.close();
      dir.cleanup();
    }
  });
});
