/**
 * Composes a suite's supergraph with @apollo/composition against the lean subgraphs' live
 * URLs, and writes two files: the supergraph as composed, and a copy for gateways built on
 * @apollo/gateway, which refuses `@link(..., for: SECURITY)` features it does not implement.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { composeServices } from "@apollo/composition";
import { graphql } from "./graphql.ts";

export interface ComposedSupergraph {
  /** As composed; auth directives keep their `for: SECURITY` links. */
  original: string;
  /** The same with `, for: SECURITY` removed from @link lines. */
  sanitized: string;
}

const securityPurpose = /(@link\(\s*url:\s*"[^"]+"[^)]*?),\s*for:\s*SECURITY(\s*[,)])/g;

export function composeSupergraph(
  suite: string,
  sdl: Record<string, string>,
  urls: Record<string, string>,
  dir: string,
): ComposedSupergraph {
  const services = Object.entries(sdl).map(([name, typeDefs]) => {
    const url = urls[name];
    if (url === undefined) throw new Error(`no running subgraph for ${suite}/${name}`);
    return { name, url, typeDefs: graphql.parse(typeDefs) };
  });
  const result = composeServices(services);
  if (result.errors) throw new Error(`composition of ${suite} failed:\n${result.errors.map((e) => `  - ${e.message}`).join("\n")}`);
  const original = join(dir, `${suite}.supergraph.graphql`);
  const sanitized = join(dir, `${suite}.supergraph.apollo.graphql`);
  writeFileSync(original, result.supergraphSdl);
  writeFileSync(sanitized, result.supergraphSdl.replace(securityPurpose, "$1$2"));
  return { original, sanitized };
}
