/**
 * Bundles the GraphiQL developer page (graphiql-entry.js, React, GraphiQL and Monaco's workers)
 * into dist/developer-page/, which the gateway serves itself when `developerPage` is `graphiql`.
 * Run by `npm run build`, after tsc. Nothing of it is loaded from another host at run time.
 */
import { build } from "esbuild";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const developerPageDir = resolve(root, "dist/developer-page");

export async function buildDeveloperPage(outdir = developerPageDir): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    legalComments: "linked" as const,
    target: "es2022",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "error" as const,
    loader: { ".ttf": "file" as const, ".woff": "file" as const, ".woff2": "file" as const },
    assetNames: "[name]",
  };
  await build({ ...common, entryPoints: { graphiql: resolve(root, "gateway/developer-page/graphiql-entry.js") }, outdir, format: "esm", splitting: false });
  const workers = {
    "editor.worker": resolve(root, "node_modules/monaco-editor/esm/vs/editor/editor.worker.js"),
    "json.worker": resolve(root, "node_modules/monaco-editor/esm/vs/language/json/json.worker.js"),
    "graphql.worker": resolve(root, "node_modules/monaco-graphql/esm/graphql.worker.js"),
  };
  await build({ ...common, entryPoints: workers, outdir, format: "iife" });
}

/** True when the bundle is older than what it is built from (the entry, this script, the lockfile). */
export function developerPageStale(outdir = developerPageDir): boolean {
  const bundle = resolve(outdir, "graphiql.js");
  if (!existsSync(bundle)) return true;
  const built = statSync(bundle).mtimeMs;
  const inputs = ["gateway/developer-page/graphiql-entry.js", "gateway/developer-page/build.ts", "package-lock.json"];
  return inputs.some((input) => statSync(resolve(root, input)).mtimeMs > built);
}

// `npm run build` runs this file: rebuild only when stale, so a build after a TypeScript edit stays fast.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && developerPageStale()) await buildDeveloperPage();
