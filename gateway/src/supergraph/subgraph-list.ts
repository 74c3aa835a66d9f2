/**
 * Reads the subgraphs (name and routing URL) a supergraph declares in its `join__Graph` enum.
 */
import { Kind, parse, type ConstValueNode, type DocumentNode } from "graphql";

export interface SubgraphEntry {
  /** The name as written in supergraph.yaml (`orders`), not the enum value (`ORDERS`). */
  readonly name: string;
  readonly url: string;
}

export function subgraphsOf(supergraph: string | DocumentNode): SubgraphEntry[] {
  const doc = typeof supergraph === "string" ? parse(supergraph, { noLocation: true }) : supergraph;
  const out: SubgraphEntry[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== "join__Graph") continue;
    for (const value of def.values ?? []) {
      const graph = value.directives?.find((d) => d.name.value === "join__graph");
      const arg = (name: string) => stringValue(graph?.arguments?.find((a) => a.name.value === name)?.value);
      const name = arg("name");
      const url = arg("url");
      if (name !== undefined && url !== undefined) out.push({ name, url });
    }
  }
  return out;
}

function stringValue(node: ConstValueNode | undefined): string | undefined {
  return node?.kind === Kind.STRING ? node.value : undefined;
}
