/**
 * The README's promise, as `npm start` runs it: every subgraph instance and the gateway come
 * up, one request joins all four services, balancing is visible, and Ctrl-C leaves no process
 * behind. Runs on shifted ports and its own data directory so it can run beside the demo.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { systemPlan } from "../../gateway/system/plan.ts";
import { gql } from "../helpers/subgraphs.ts";

const offset = 300;
const plan = systemPlan({ portOffset: offset });
const dataDir = mkdtempSync(join(tmpdir(), "system-e2e-"));
let launcher: ChildProcess;
let output = "";

before(async () => {
  launcher = spawn(process.execPath, ["--import", "tsx", "gateway/system/start.ts"], {
    env: { ...process.env, SYSTEM_PORT_OFFSET: String(offset), SYSTEM_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, as a terminal's foreground job: Ctrl-C below signals the whole group.
    detached: true,
  });
  launcher.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the system did not become ready in time:\n${output.slice(-2000)}`)), 120_000);
    createInterface({ input: launcher.stdout! }).on("line", (line) => {
      output += `${line}\n`;
      if (line.includes("Gateway ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    launcher.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the launcher exited (${code}) before the system was ready:\n${output.slice(-2000)}`));
    });
  });
});
after(async () => {
  // After a failure: SIGTERM lets the launcher stop its children (each in a group of its own); SIGKILL if it hangs.
  if (launcher.exitCode === null) {
    const exited = new Promise((r) => launcher.once("exit", r));
    launcher.kill("SIGTERM");
    const timer = setTimeout(() => launcher.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm start", () => {
  it("serves one request that joins all four services", async () => {
    const login = await gql<{ login: { accessToken: string } }>(plan.gatewayUrl, `mutation { login(email: "alice@example.com", password: "demo-password") { accessToken } }`);
    assert.equal(login.errors, undefined, JSON.stringify(login.errors));
    const token = login.data!.login.accessToken;
    const r = await gql(plan.gatewayUrl, `{ me { name } orders(first: 3) { edges { node { id items { name } delivery { id status route { deliveryId status } } payment { status } } } } }`, { token });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const data = r.data as any;
    assert.equal(data.me.name, "Alice Example");
    assert.equal(data.orders.edges.length, 3);
    assert.ok(data.orders.edges.every((e: any) => e.node.items.length > 0 && e.node.delivery));
    // The routing service (gRPC) answers for the same deliveries, matched by key.
    assert.ok(data.orders.edges.every((e: any) => e.node.delivery.route?.deliveryId === e.node.delivery.id && e.node.delivery.route.status === e.node.delivery.status));
  });

  it("reads an order placed and paid at run time as PAID, keeps its courier waiting until then, and reads SHIPPED then DELIVERED as the courier moves it", async () => {
    const signIn = async (email: string) =>
      (await gql<{ login: { accessToken: string } }>(plan.gatewayUrl, `mutation { login(email: "${email}", password: "demo-password") { accessToken } }`)).data!.login.accessToken;
    const [alice, carol] = [await signIn("alice@example.com"), await signIn("carol@example.com")];
    const placed = await gql(plan.gatewayUrl, `mutation { placeOrder(input: { items: [{ sku: "SKU-KETTLE", quantity: 1 }] }) { id totalCents } }`, { token: alice });
    const order = (placed.data as any).placeOrder as { id: string; totalCents: number };
    assert.equal(order.totalCents, 4999, "priced from the catalog");
    const early = await gql(plan.gatewayUrl, `mutation($id: ID!) { updateDeliveryStatus(orderId: $id, status: ASSIGNED) { status } }`, { token: carol, variables: { id: order.id } });
    assert.equal(early.errors?.[0]?.extensions?.code, "ORDER_NOT_PAID");
    const paid = await gql(plan.gatewayUrl, `mutation($id: ID!) { payOrder(orderId: $id, idempotencyKey: "e2e-paid") { status charge { id status amountCents } } }`, { token: alice, variables: { id: order.id } });
    assert.equal(paid.errors, undefined, JSON.stringify(paid.errors));
    // Charged at the payment provider (REST), read back through its connectors in the same answer.
    assert.deepEqual({ ...(paid.data as any).payOrder.charge, id: undefined }, { id: undefined, status: "succeeded", amountCents: 4999 });
    /** The order's status through the gateway, once it reads `expected` or 10 s have passed. */
    const statusWithin10s = async (expected: string) => {
      let status = "";
      for (const deadline = Date.now() + 10_000; status !== expected && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        status = ((await gql(plan.gatewayUrl, `query($id: ID!) { order(id: $id) { status } }`, { token: alice, variables: { id: order.id } })).data as any)?.order?.status;
      }
      return status;
    };
    const move = async (status: string) => {
      const moved = await gql(plan.gatewayUrl, `mutation($id: ID!, $s: DeliveryStatus!) { updateDeliveryStatus(orderId: $id, status: $s) { status } }`, { token: carol, variables: { id: order.id, s: status } });
      assert.equal(moved.errors, undefined, JSON.stringify(moved.errors));
    };
    assert.equal(await statusWithin10s("PAID"), "PAID", "payments told orders");
    await move("ASSIGNED");
    await move("PICKED_UP");
    assert.equal(await statusWithin10s("SHIPPED"), "SHIPPED", "delivery told orders of the pick-up");
    await move("DELIVERED");
    assert.equal(await statusWithin10s("DELIVERED"), "DELIVERED", "delivery told orders of the hand-over");
  });

  it("runs several instances of every subgraph, visible on /admin/upstreams", async () => {
    const res = await fetch(plan.gatewayUrl.replace("/graphql", "/admin/upstreams"));
    assert.equal(res.status, 200);
    const body = JSON.stringify(await res.json());
    for (const instances of Object.values(plan.instances)) {
      assert.ok(instances.length >= 2);
      for (const { url } of instances) assert.ok(body.includes(url), `${url} is listed`);
    }
  });

  it("keeps answering when an instance is killed, and starts that instance again", async () => {
    const victim = plan.instances.orders[1]!.url; // the second orders instance
    const port = new URL(victim).port;
    const pid = descendants(launcher.pid!).find((p) => {
      try {
        return execFileSync("ps", ["-o", "args=", "-p", String(p)], { encoding: "utf8" }).includes(`--port ${port}`);
      } catch {
        return false;
      }
    });
    assert.ok(pid, `found the process listening on ${port}`);
    process.kill(pid, "SIGKILL");
    const login = await gql<{ login: { accessToken: string } }>(plan.gatewayUrl, `mutation { login(email: "bob@example.com", password: "demo-password") { accessToken } }`);
    const token = login.data!.login.accessToken;
    for (let i = 0; i < 12; i++) {
      const r = await gql(plan.gatewayUrl, `query($n: Int) { orders(first: $n) { totalCount } }`, { token, variables: { n: i + 1 } });
      assert.equal(r.errors, undefined, `query ${i}: ${JSON.stringify(r.errors)}`);
    }
    const healthz = victim.replace("/graphql", "/healthz");
    let back = false;
    for (const deadline = Date.now() + 60_000; !back && Date.now() < deadline; ) {
      back = await fetch(healthz).then((r) => r.ok, () => false);
      if (!back) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(back, "the killed instance was started again");
  });

  it("stops every process it started on Ctrl-C (SIGINT to its process group), each with one signal", async () => {
    const pids = descendants(launcher.pid!);
    assert.ok(pids.length >= plan.services.length + plan.subgraphs.length + 1, `found ${pids.length} child processes`);
    const exited = new Promise<number | null>((resolve) => launcher.once("exit", (code) => resolve(code)));
    process.kill(-launcher.pid!, "SIGINT");
    assert.equal(await exited, 0);
    assert.doesNotMatch(output, /second signal/, "no process took a second signal as an order to exit without draining");
    // tsx's esbuild helper (a grandchild) leaves a moment after its parent: give stragglers 5 s.
    let left = pids.filter(alive);
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = left.filter(alive);
    }
    assert.deepEqual(left, [], "no orphan processes");
  });
});
