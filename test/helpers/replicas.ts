/**
 * Gateway replicas as real processes: the compiled CLI (`node dist/gateway/src/main.js`), each
 * on its own fixed port so a restarted replica comes back where the load balancer expects it,
 * all with one config module (a .mjs file, so `@policy` functions can be in it) and one
 * REDIS_URL. `FleetClient` is the load balancer and client in front of them: round robin over
 * the replicas whose /readyz answers 200, polled every 100 ms.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

const COMPILED_CLI = "dist/gateway/src/main.js";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Writes the config module: `config` as JSON, plus the demo's `@policy` functions (couriers and
 * admins; customers and admins), which JSON cannot carry.
 */
export function writeReplicaConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, "gateway.config.mjs");
  writeFileSync(
    file,
    `const config = ${JSON.stringify(config)};
const has = ({ principal }, ...roles) => principal.kind === "user" && roles.some((r) => principal.roles.has(r));
config.auth.policies = { courier: (c) => has(c, "courier", "admin"), order_owner_or_admin: (c) => has(c, "customer", "admin") };
export default config;
`,
  );
  return file;
}

export class Replica {
  private child: ChildProcess | undefined;
  output = "";

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly configFile: string,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }
  get readyzUrl(): string {
    return `http://127.0.0.1:${this.port}/readyz`;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process and resolves once /readyz answers 200. */
  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(process.execPath, [COMPILED_CLI, "--config", this.configFile, "--port", String(this.port)], {
      env: { ...process.env, LOG_LEVEL: "warn", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout!.on("data", (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (this.output += c.toString()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited at start:\n${this.output}`);
      if (await fetch(this.readyzUrl).then((r) => r.ok, () => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.output}`);
  }

  /** kill -9: no drain, connections reset. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  /** The process id while it runs (bench:memory signals it). */
  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  /** SIGHUP: re-read the supergraph and the manifest. */
  hangUp(): void {
    if (this.running) this.child!.kill("SIGHUP");
  }

  /** SIGTERM, as an orchestrator stops it; resolves with the exit code. */
  async terminate(): Promise<number | null> {
    return this.signal("SIGTERM");
  }

  private async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

export type Outcome = "ok" | "failed" | "unknown";

export interface LoadStats {
  sent: number;
  queries: { ok: number; failed: number; retried: number };
  mutations: { ok: number; failed: number; unknown: number; retried: number };
  failures: string[];
}

/** A network error that proves the request never reached a gateway: safe to resend even a mutation. */
const neverSent = (e: unknown) => {
  const code = (e as { cause?: { code?: string } }).cause?.code;
  return code === "ECONNREFUSED";
};

export class FleetClient {
  private readonly ready: boolean[];
  private next = 0;
  private readonly poller: NodeJS.Timeout;

  constructor(private readonly replicas: readonly Replica[]) {
    this.ready = replicas.map(() => true);
    this.poller = setInterval(() => {
      replicas.forEach((r, i) => {
        void fetch(r.readyzUrl, { signal: AbortSignal.timeout(500) }).then(
          (res) => {
            this.ready[i] = res.ok;
            void res.body?.cancel();
          },
          () => (this.ready[i] = false),
        );
      });
    }, 100);
  }

  close(): void {
    clearInterval(this.poller);
  }

  /** The next replica in round robin among the ready ones (any, if none is). */
  pick(exclude: ReadonlySet<number> = new Set()): number {
    for (let n = 0; n < this.replicas.length; n++) {
      const i = (this.next++) % this.replicas.length;
      if (this.ready[i] && !exclude.has(i)) return i;
    }
    for (let i = 0; i < this.replicas.length; i++) if (!exclude.has(i)) return i;
    return 0;
  }

  /**
   * Sends one operation. Queries are retried on another replica after any failure (they are
   * idempotent); a mutation only when it provably never ran: the connection was refused, or the
   * gateway answered 503 SHUTTING_DOWN before executing it. A mutation whose connection broke
   * mid-request is "unknown" and is not resent: resending could apply it twice.
   */
  async send(body: { query: string; variables?: Record<string, unknown> }, headers: Record<string, string>, mutation: boolean, stats: LoadStats): Promise<Outcome> {
    const tried = new Set<number>();
    const bucket = mutation ? stats.mutations : stats.queries;
    let last = "";
    for (let attempt = 0; attempt < 4; attempt++) {
      const i = this.pick(tried);
      tried.add(i);
      if (tried.size === this.replicas.length) tried.clear();
      if (attempt > 0) bucket.retried++;
      try {
        const res = await fetch(this.replicas[i]!.url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const json = (await res.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
        if (res.status === 200 && json.data && !json.errors) {
          bucket.ok++;
          return "ok";
        }
        last = `${this.replicas[i]!.name}: ${res.status} ${JSON.stringify(json.errors)}`;
        const shuttingDown = res.status === 503 && json.errors?.[0]?.extensions?.code === "SHUTTING_DOWN";
        if (mutation && !shuttingDown) break;
      } catch (e) {
        last = `${this.replicas[i]!.name}: ${(e as Error).message} ${(e as { cause?: { code?: string } }).cause?.code ?? ""}`;
        if (mutation && !neverSent(e)) {
          stats.mutations.unknown++;
          return "unknown";
        }
      }
    }
    bucket.failed++;
    stats.failures.push(`${mutation ? "mutation" : "query"} ${last}`);
    return "failed";
  }
}

export const emptyStats = (): LoadStats => ({ sent: 0, queries: { ok: 0, failed: 0, retried: 0 }, mutations: { ok: 0, failed: 0, unknown: 0, retried: 0 }, failures: [] });

/**
 * Steady load: `total` operations evenly over `durationMs` (bounded in count and time), every
 * `mutationEvery`-th a mutation built by `mutation(n)`. `during` runs beside it (the fault).
 */
export async function steadyLoad(options: {
  client: FleetClient;
  total: number;
  durationMs: number;
  query: () => { body: { query: string; variables?: Record<string, unknown> }; headers: Record<string, string> };
  mutationEvery?: number;
  mutation?: (n: number) => { body: { query: string; variables?: Record<string, unknown> }; headers: Record<string, string> };
  during?: () => Promise<void>;
}): Promise<LoadStats> {
  const stats = emptyStats();
  const pending: Array<Promise<unknown>> = [];
  const interval = options.durationMs / options.total;
  const start = Date.now();
  const fault = options.during?.();
  let mutations = 0;
  for (let n = 0; n < options.total; n++) {
    const due = start + n * interval;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const isMutation = options.mutation !== undefined && options.mutationEvery !== undefined && n % options.mutationEvery === options.mutationEvery - 1;
    const op = isMutation ? options.mutation!(mutations++) : options.query();
    stats.sent++;
    pending.push(options.client.send(op.body, op.headers, isMutation, stats));
  }
  await Promise.all(pending);
  await fault;
  return stats;
}
