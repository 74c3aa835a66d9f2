/**
 * An operation's signature: the operation and the fragments it spreads, with every literal
 * replaced by a placeholder of the same kind (0, "", the first element of a list), selections
 * and arguments sorted, printed without ignored characters. Two requests that differ only in
 * their literal values, whitespace or field order share one signature, so usage is counted per
 * shape, not per value, and no value a client typed is ever stored. The result is still a valid
 * document (placeholders keep their kind, aliases stay so no fields start to conflict), which is
 * what lets a recorded operation be validated against a new schema.
 */
import { createHash } from "node:crypto";
import { Kind, print, stripIgnoredCharacters, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionNode, type SelectionSetNode } from "graphql";

/** The operation named `operationName` (or the only one) and every fragment it reaches, in a document of their own. */
export function operationDocument(document: DocumentNode, operationName: string | null | undefined): DocumentNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: SelectionSetNode[] = [operation.selectionSet];
  // Bounded: each fragment is queued at most once.
  while (pending.length > 0) {
    const set = pending.pop()!;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment && !used.has(name)) {
          used.set(name, fragment);
          pending.push(fragment.selectionSet);
        }
      } else if (selection.selectionSet) {
        pending.push(selection.selectionSet);
      }
    }
  }
  const sortedFragments = [...used.values()].sort((a, b) => a.name.value.localeCompare(b.name.value));
  return { kind: Kind.DOCUMENT, definitions: [operation, ...sortedFragments] };
}

/** The signature text of a document holding one operation (see `operationDocument`). */
export function signatureOf(document: DocumentNode): string {
  const stripped = visit(document, {
    IntValue: () => ({ kind: Kind.INT, value: "0" }),
    FloatValue: () => ({ kind: Kind.FLOAT, value: "0" }),
    StringValue: () => ({ kind: Kind.STRING, value: "" }),
    ListValue: {
      leave: (node) => ({ ...node, values: node.values.slice(0, 1) }),
    },
    ObjectValue: {
      leave: (node) => ({ ...node, fields: [...node.fields].sort((a, b) => a.name.value.localeCompare(b.name.value)) }),
    },
    Field: {
      leave: (node) => ({ ...node, arguments: node.arguments ? [...node.arguments].sort((a, b) => a.name.value.localeCompare(b.name.value)) : node.arguments }),
    },
    SelectionSet: {
      leave: (node) => ({ ...node, selections: [...node.selections].sort(compareSelections) }),
    },
  });
  return stripIgnoredCharacters(print(stripped));
}

export const signatureHash = (signature: string): string => createHash("sha256").update(signature).digest("hex");

/** Fields by name then alias, then fragment spreads by name, then inline fragments by type condition. */
function compareSelections(a: SelectionNode, b: SelectionNode): number {
  const ka = selectionKey(a);
  const kb = selectionKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function selectionKey(s: SelectionNode): string {
  switch (s.kind) {
    case Kind.FIELD:
      return `0${s.name.value}:${s.alias?.value ?? ""}`;
    case Kind.FRAGMENT_SPREAD:
      return `1${s.name.value}`;
    case Kind.INLINE_FRAGMENT:
      return `2${s.typeCondition?.name.value ?? ""}:${print(s)}`;
  }
}
