/**
 * The gateway's command line as an operator meets it: `--help` prints the options, the config
 * file formats and the environment variables; an unknown option points to `--help`; SIGHUP on
 * an unchanged supergraph says that nothing changed.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const main = ["--import", "tsx", "gateway/src/main.ts"];

describe("the gateway CLI", () => {
  it("prints the options, config file formats and environment variables for --help, and exits 0", async () => {
    const { stdout } = await run(process.execPath, [...main, "--help"], { timeout: 60_000 });
    for (const option of ["--config", "--supergraph", "--port", "--host", "--workers", "--help"]) assert.match(stdout, new RegExp(`${option}\\b`), option);
    for (const format of [".ts", ".json", ".yaml"]) assert.ok(stdout.includes(format), format);
    for (const name of ["PORT", "HOST", "LOG_LEVEL", "SUPERGRAPH_PATH", "REDIS_URL", "NODE_ENV", "GATEWAY_CONFIG", "OTEL_EXPORTER_OTLP_ENDPOINT"]) {
      assert.match(stdout, new RegExp(`\\b${name}\\b`), name);
    }
  });

  it("answers an unknown option by pointing to --help, with exit code 1", async () => {
    await assert.rejects(run(process.execPath, [...main, "--prot", "4000"], { timeout: 60_000 }), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /Unknown option '--prot'/);
      assert.match(e.stderr, /--help/);
      return true;
    });
  });

  it("logs that nothing changed when SIGHUP finds the supergraph unchanged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-sighup-"));
    const file = join(dir, "supergraph.graphql");
    copyFileSync("schema/supergraph.graphql", file);
    const child = spawn(process.execPath, [...main, "--supergraph", file, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    const lines: Array<Record<string, unknown>> = [];
    let buffered = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const part of parts) if (part.startsWith("{")) lines.push(JSON.parse(part) as Record<string, unknown>);
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const until = async (msg: RegExp) => {
      for (let i = 0; i < 1_500 && !lines.some((l) => msg.test(String(l.msg))); i++) await new Promise((r) => setTimeout(r, 20));
      return lines.find((l) => msg.test(String(l.msg)));
    };
    try {
      assert.ok(await until(/gateway listening/), "the gateway started");
      child.kill("SIGHUP");
      const unchanged = await until(/supergraph unchanged/);
      assert.ok(unchanged, "SIGHUP was answered with a log line");
      assert.equal(unchanged.level, "info");
      assert.equal(unchanged.trigger, "signal");
    } finally {
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
