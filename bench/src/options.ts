/** Command-line options of `npm run bench`, validated once. */
import { parseArgs } from "node:util";

export interface BenchOptions {
  durationS: number;
  warmupS: number;
  connections: number;
  rounds: number;
  /** Query names to run; empty means all. */
  queries: string[];
  /** Gateway profile names to run; empty means all. */
  gateways: string[];
  quick: boolean;
  /** Write a V8 CPU profile of each of our gateways here (`node --cpu-prof`); undefined: no profiling. */
  cpuProfDir: string | undefined;
  /** Also measure fields joined through REST and gRPC (bench/connectors.ts): on for full runs, off when --queries or --gateways narrow it. */
  protocols: boolean;
}

export const usage = `npm run bench -- [options]
  --duration <s>      measured seconds per gateway and query (default 10)
  --warmup <s>        warm-up seconds before each measurement (default 3)
  --connections <n>   concurrent keep-alive connections (default 50)
  --rounds <n>        times the A B C … alternation repeats (default 2)
  --queries a,b       only these queries
  --gateways x,y      only these gateways (the baseline is always added for ratios)
  --cpu-prof <dir>    write a V8 CPU profile of each of our gateway profiles into <dir> (summarize: npm run bench:profile -- <dir>)
  --quick             smoke run (about a minute on an idle machine): --duration 3 --warmup 1 --rounds 1
  --protocols         also a field joined through REST (connectors) and gRPC vs the same from a GraphQL
                      subgraph (bench/connectors.ts); on unless --queries or --gateways is given
  --no-protocols      skip that part`;

export function parseOptions(argv: string[], knownQueries: string[], knownGateways: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      rounds: { type: "string" },
      queries: { type: "string" },
      gateways: { type: "string" },
      quick: { type: "boolean", default: false },
      "cpu-prof": { type: "string" },
      protocols: { type: "boolean" },
      "no-protocols": { type: "boolean" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got "${raw}"`);
    return n;
  };
  const list = (name: string, raw: string | undefined, known: string[]): string[] => {
    const items = (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const unknown = items.filter((i) => !known.includes(i));
    if (unknown.length > 0) throw new Error(`--${name}: unknown ${unknown.join(", ")} (known: ${known.join(", ")})`);
    return items;
  };
  return {
    durationS: int("duration", values.duration, quick ? 3 : 10, 1, 600),
    warmupS: int("warmup", values.warmup, quick ? 1 : 3, 0, 120),
    connections: int("connections", values.connections, 50, 1, 1000),
    rounds: int("rounds", values.rounds, quick ? 1 : 2, 1, 20),
    queries: list("queries", values.queries, knownQueries),
    gateways: list("gateways", values.gateways, knownGateways),
    quick,
    cpuProfDir: values["cpu-prof"],
    protocols: values["no-protocols"] ? false : (values.protocols ?? (values.queries === undefined && values.gateways === undefined)),
  };
}
