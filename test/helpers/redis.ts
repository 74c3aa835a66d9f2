/**
 * A private `redis-server` for a test: Debian's package (installed with apt-get when missing;
 * the tests run as root), on 127.0.0.1 and a free port, with persistence off. It can be
 * stopped and started again on the same port (an outage), or paused with SIGSTOP (a Redis that
 * accepts connections but never answers). `close()` in `after` leaves no process behind.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM), an outage; `start()` brings it back on the same port, empty. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good and removes its directory (for `after`). */
  close(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing is answered. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
}

/** Installs Debian's redis-server when it is not on the PATH. */
export function ensureRedisServer(): void {
  if (spawnSync("redis-server", ["--version"]).status === 0) return;
  const install = () => spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "redis-server"], { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (install().status !== 0) {
    spawnSync("apt-get", ["update"], { stdio: "ignore" });
    if (install().status !== 0) throw new Error("redis-server is missing and `apt-get install -y redis-server` failed (the tests need root or the package)");
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the port answers PING with PONG. */
async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.setTimeout(200, () => socket.destroy());
      socket.once("connect", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        resolve(data.toString().startsWith("+PONG"));
      });
      socket.once("error", () => resolve(false));
      socket.once("close", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
}

export async function startTestRedis(): Promise<TestRedis> {
  ensureRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "test-redis-"));
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning"], {
      stdio: "ignore",
    });
    await waitForPong(port, 5_000);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    running.kill("SIGCONT"); // a paused server cannot act on SIGTERM
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => running.kill("SIGKILL"), 2_000);
      running.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      running.kill("SIGTERM");
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
  };
}
