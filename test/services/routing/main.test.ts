import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { createRoutingClient, type EtaReply } from "../../../services/routing/proto.ts";

/** Starts services/routing/main.ts as `npm start` does, and reads where it listens from its log. */
function launch(args: string[]): { child: ChildProcess; listening: Promise<{ address: string; healthPort: number }> } {
  const child = spawn(process.execPath, ["--import", "tsx", "services/routing/main.ts", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LOG_LEVEL: "info" } });
  let buffered = "";
  const listening = new Promise<{ address: string; healthPort: number }>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split("\n")) {
        if (!line.includes("routing service listening")) continue;
        const { address, healthPort } = JSON.parse(line) as { address: string; healthPort: number };
        resolve({ address, healthPort });
      }
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before listening: ${buffered}`)));
  });
  return { child, listening };
}

describe("routing service process", () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  });

  it("listens on the ports its flags name, answers RPCs and health checks, and exits 0 on SIGTERM", async () => {
    const { child, listening } = launch(["--port", "0", "--health-port", "0", "--host", "127.0.0.1"]);
    children.push(child);
    const { address, healthPort } = await listening;
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status, 200);
    const client = createRoutingClient(address);
    const reply = await new Promise<EtaReply>((resolve, reject) =>
      client.estimateEta({ deliveryId: "d1" }, new grpc.Metadata(), {}, (e, r) => (e ? reject(e) : resolve(r!))),
    );
    client.close();
    assert.equal(reply.deliveryId, "d1");
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    assert.deepEqual(await exited, [0, null]);
  });

  it("refuses an invalid port with exit code 2 and a log line naming it", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "services/routing/main.ts", "--port", "99999"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    const [code] = await once(child, "exit");
    assert.equal(code, 2);
    assert.match(out, /invalid port/);
  });
});
