/**
 * Expands a supergraph with Apollo Connectors into one `@apollo/gateway` and `@apollo/query-planner`
 * accept: the connect link and every `@join__directive` of the connect spec are removed, so each
 * connector subgraph stays in the supergraph as a synthetic subgraph of its own (one per
 * `@source`), with the types and fields composition gave it. The planner plans fetches to it like
 * to any subgraph; the gateway runs them in-process (sender.ts) by calling the REST service.
 * `@apollo/gateway` would refuse the supergraph otherwise: `connect/v0.x` is linked
 * `for: EXECUTION` and is not among its supported features.
 */
import { Kind, parse, print, visit, type ConstDirectiveNode } from "graphql";
import type { ConnectorGraph } from "./definitions.ts";
import { CONNECT_SPEC, connectNames, joinDirectivesOf, readConnectors } from "./read-directives.ts";

export interface ExpandedSupergraph {
  /** The supergraph without connect directives (the SDL given back as is when it has none). */
  readonly sdl: string;
  readonly connectors: readonly ConnectorGraph[];
}

/** Throws `ConnectorLoadError` for a connector outside the supported subset. */
export function expandConnectors(sdl: string): ExpandedSupergraph {
  if (!sdl.includes(CONNECT_SPEC)) return { sdl, connectors: [] };
  const doc = parse(sdl);
  const connectors = readConnectors(doc);
  const removable = new Set<string>(["link"]);
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const d of joinDirectivesOf(def.directives)) {
      if (d.name !== "link" || !String(d.args.url).startsWith(CONNECT_SPEC)) continue;
      const names = connectNames(d.args);
      removable.add(names.source).add(names.connect);
    }
  }
  const isConnect = (node: ConstDirectiveNode): boolean => {
    if (node.name.value === "link") {
      const url = node.arguments?.find((a) => a.name.value === "url")?.value;
      return url?.kind === Kind.STRING && url.value.startsWith(CONNECT_SPEC);
    }
    if (node.name.value !== "join__directive") return false;
    const [d] = joinDirectivesOf([node]);
    if (!d || !removable.has(d.name)) return false;
    return d.name !== "link" || String(d.args.url).startsWith(CONNECT_SPEC);
  };
  // A connector subgraph's default instance is its @source's baseURL (Apollo Router ignores its
  // routing_url too); `subgraphs.<name>.instances` still replaces it.
  const baseUrls = new Map(connectors.map((c) => [c.name, c.source.baseURL]));
  const stripped = visit(doc, {
    Directive: (node) => {
      if (isConnect(node as ConstDirectiveNode)) return null;
      if (node.name.value !== "join__graph") return undefined;
      const name = node.arguments?.find((a) => a.name.value === "name")?.value;
      const baseUrl = name?.kind === Kind.STRING ? baseUrls.get(name.value) : undefined;
      if (baseUrl === undefined) return undefined;
      return { ...node, arguments: node.arguments?.map((a) => (a.name.value === "url" ? { ...a, value: { kind: Kind.STRING, value: baseUrl } } : a)) };
    },
  });
  return { sdl: print(stripped), connectors };
}
