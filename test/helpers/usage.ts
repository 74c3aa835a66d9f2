/**
 * Helpers for the usage tests: edits of the committed supergraph (a field removed, an enum value
 * removed, an argument made required, a field's type changed), the operations the tests send
 * through the gateway, and the schema check run in-process with its output captured.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { runSchemaCheck, type SchemaCheckOptions } from "../../schema/check.ts";

export const committedSupergraph = readFileSync("schema/supergraph.graphql", "utf8");

/** The supergraph with `from` replaced by `to` (once); throws when the edit does not apply. */
export function edited(from: string | RegExp, to: string, sdl = committedSupergraph): string {
  const out = sdl.replace(from, to);
  if (out === sdl) throw new Error(`supergraph edit did not apply: ${String(from)}`);
  return out;
}

export const edits = {
  removeUserEmail: () => edited("  email: String! @join__field(graph: AUTH) @authenticated\n", ""),
  removeUserRoles: () => edited("  roles: [String!]! @join__field(graph: AUTH) @authenticated\n", ""),
  removeInTransit: () => edited("  IN_TRANSIT @join__enumValue(graph: DELIVERY)\n", ""),
  requireNote: () => edited("status: DeliveryStatus!, note: String)", "status: DeliveryStatus!, note: String!)"),
  userNameToInt: () => edited("  name: String! @join__field(graph: AUTH)\n", "  name: Int! @join__field(graph: AUTH)\n"),
};

/** Operations and the client each is sent as. */
export const operations = [
  { client: { name: "web", version: "1.0" }, query: "query Me { me { id name email } }" },
  { client: { name: "ios", version: "2.1" }, query: 'mutation SignIn { login(email: "alice@example.com", password: "demo-password") { accessToken } }' },
  { client: { name: "android", version: "3.0" }, query: 'mutation Move { updateDeliveryStatus(orderId: "1", status: IN_TRANSIT) { id } }' },
] as const;

export const clientHeaders = (client: { name: string; version: string }) => ({ "apollographql-client-name": client.name, "apollographql-client-version": client.version });

/** Writes `sdl` to a file in `dir` and returns its path. */
export function supergraphFile(dir: string, name: string, sdl: string): string {
  const path = join(dir, name);
  writeFileSync(path, sdl);
  return path;
}

/** Runs `npm run schema:check` in-process; the exit code and what it printed. */
export async function schemaCheck(options: SchemaCheckOptions): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await runSchemaCheck(options, (text) => lines.push(text));
  return { code, output: lines.join("\n") };
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`);
}
