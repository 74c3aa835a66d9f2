/**
 * Composes the subgraph SDLs listed in supergraph.yaml into schema/supergraph.graphql.
 *
 *   npm run compose             write schema/supergraph.graphql
 *   npm run compose -- --check  exit 1 if composition fails or the committed file is stale
 *     --usage-store <file> | --usage-redis <url> | --usage-operations <file>
 *                               also run `npm run schema:check` on the composed supergraph against
 *                               git HEAD's (or --against <file|git-ref>) with that recorded usage
 *
 * supergraph.yaml is Rover's format, so `rover supergraph compose --config supergraph.yaml`
 * accepts the same file; we compose with @apollo/composition so no binary download is needed.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, resolve, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { composeServices } from "@apollo/composition";
import { parse, GraphQLError, type DocumentNode } from "graphql";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const roverConfig = z.strictObject({
  federation_version: z.string().optional(),
  subgraphs: z.record(
    z.string(),
    z.strictObject({
      routing_url: z.url(),
      schema: z.strictObject({ file: z.string() }),
    }),
  ),
});

export interface CompositionResult {
  ok: boolean;
  supergraphSdl?: string;
  /** Human-readable errors, each naming its subgraph and location where known. */
  errors: string[];
}

/** Composes the subgraphs named by a Rover config file; never throws for bad SDL. */
export function composeFromConfig(configPath: string): CompositionResult {
  const base = dirname(configPath);
  const parsed = roverConfig.safeParse(parseYaml(readFileSync(configPath, "utf8")));
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => `${relative(process.cwd(), configPath)}: ${i.path.join(".") || "(root)"}: ${i.message}`),
    };
  }
  const services: { name: string; url: string; typeDefs: DocumentNode }[] = [];
  const errors: string[] = [];
  for (const [name, sub] of Object.entries(parsed.data.subgraphs)) {
    const file = resolve(base, sub.schema.file);
    if (!existsSync(file)) {
      errors.push(`[${name}] schema file not found: ${sub.schema.file}`);
      continue;
    }
    try {
      services.push({ name, url: sub.routing_url, typeDefs: parse(readFileSync(file, "utf8")) });
    } catch (e) {
      errors.push(`[${name}] ${sub.schema.file}: ${describe(e)}`);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors.map(describe) };
  return { ok: true, supergraphSdl: result.supergraphSdl, errors: [] };
}

function describe(e: unknown): string {
  if (e instanceof GraphQLError) {
    const at = e.locations?.map((l) => `${l.line}:${l.column}`).join(", ");
    const code = e.extensions?.code ? `${String(e.extensions.code)}: ` : "";
    return `${code}${e.message}${at ? ` (at ${at})` : ""}`;
  }
  return e instanceof Error ? e.message : String(e);
}

async function main(argv: string[]): Promise<number> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const check = argv.includes("--check");
  const configIdx = argv.indexOf("--config");
  const outIdx = argv.indexOf("--output");
  const configPath = resolve(configIdx >= 0 ? argv[configIdx + 1]! : resolve(root, "supergraph.yaml"));
  const outPath = resolve(outIdx >= 0 ? argv[outIdx + 1]! : resolve(root, "schema/supergraph.graphql"));

  const result = composeFromConfig(configPath);
  if (!result.ok) {
    console.error(`composition failed with ${result.errors.length} error(s):`);
    for (const err of result.errors) console.error(`  - ${err}`);
    return 1;
  }
  const sdl = result.supergraphSdl! + "\n";
  if (check) {
    const current = existsSync(outPath) ? readFileSync(outPath, "utf8") : "";
    if (current !== sdl) {
      console.error(`${relative(process.cwd(), outPath)} is stale: run \`npm run compose\` and commit the result.`);
      return 1;
    }
    console.log(`composition ok; ${relative(process.cwd(), outPath)} is up to date.`);
    return usageCheck(argv, sdl);
  }
  writeFileSync(outPath, sdl);
  console.log(`wrote ${relative(process.cwd(), outPath)}`);
  return 0;
}

/** With a usage store named, the schema check of the composed supergraph (schema/check.ts). */
async function usageCheck(argv: string[], sdl: string): Promise<number> {
  const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const store = flag("--usage-store");
  const redis = flag("--usage-redis");
  const operations = flag("--usage-operations");
  if (!store && !redis && !operations) return 0;
  // Loaded only when asked for: plain composition needs none of the gateway's code.
  const { runSchemaCheck } = await import("./check.ts");
  try {
    return await runSchemaCheck({ supergraphSdl: sdl, store, redis, operations, against: flag("--against"), window: flag("--window") });
  } catch (e) {
    console.error(`schema check: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Not a top-level await: check.ts imports this module, which must finish evaluating first.
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
