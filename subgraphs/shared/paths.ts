import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, found from this file's location so the cwd does not matter. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** schema/<name>.graphql: the subgraph's public contract. */
export const schemaPath = (service: string): string => resolve(REPO_ROOT, "schema", `${service}.graphql`);

/** data/<name>.db under the repo root (data/ is git-ignored). */
export const defaultDbPath = (service: string): string => resolve(REPO_ROOT, "data", `${service}.db`);

/** Makes sure a file path's directory exists; ":memory:" needs none. */
export function ensureParentDir(path: string): void {
  if (path !== ":memory:" && !path.startsWith("file:")) mkdirSync(dirname(resolve(path)), { recursive: true });
}
