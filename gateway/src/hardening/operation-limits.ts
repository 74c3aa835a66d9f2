/**
 * A validation rule enforcing per-operation limits: depth, aliases, root fields and directives.
 * It runs inside Apollo Server's validation, whose result is cached per document, so a
 * document is measured once however often it is sent. Fragments are expanded (with a guard
 * against cycles, which the spec's own rule reports separately).
 */
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { ErrorCode } from "../errors/codes.ts";
import type { OperationLimits } from "../config/operations.ts";

export interface OperationMeasure {
  depth: number;
  aliases: number;
  rootFields: number;
  directives: number;
}

/** Measures one operation of a document, fragments expanded. */
export function measureOperation(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): OperationMeasure {
  const measure: OperationMeasure = { depth: 0, aliases: 0, rootFields: 0, directives: operation.directives?.length ?? 0 };
  const walk = (set: SelectionSetNode, depth: number, visiting: Set<string>, atRoot: boolean): void => {
    for (const selection of set.selections) {
      measure.directives += selection.directives?.length ?? 0;
      switch (selection.kind) {
        case Kind.FIELD:
          if (atRoot) measure.rootFields++;
          if (selection.alias) measure.aliases++;
          measure.depth = Math.max(measure.depth, depth + 1);
          if (selection.selectionSet) walk(selection.selectionSet, depth + 1, visiting, false);
          break;
        case Kind.INLINE_FRAGMENT:
          walk(selection.selectionSet, depth, visiting, atRoot);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || visiting.has(name)) break;
          visiting.add(name);
          measure.directives += fragment.directives?.length ?? 0;
          walk(fragment.selectionSet, depth, visiting, atRoot);
          visiting.delete(name);
          break;
        }
      }
    }
  };
  walk(operation.selectionSet, 0, new Set(), true);
  return measure;
}

const checks: ReadonlyArray<{ key: keyof OperationMeasure; limit: keyof OperationLimits; code: ErrorCode; what: string }> = [
  { key: "depth", limit: "maxDepth", code: "MAX_DEPTH_EXCEEDED", what: "depth" },
  { key: "aliases", limit: "maxAliases", code: "MAX_ALIASES_EXCEEDED", what: "aliases" },
  { key: "rootFields", limit: "maxRootFields", code: "MAX_ROOT_FIELDS_EXCEEDED", what: "root fields" },
  { key: "directives", limit: "maxDirectives", code: "MAX_DIRECTIVES_EXCEEDED", what: "directives" },
];

/** The validation rule for the configured limits. */
export function operationLimitsRule(limits: OperationLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    return {
      OperationDefinition(operation) {
        const measure = measureOperation(operation, fragments);
        for (const check of checks) {
          const max = limits[check.limit];
          if (measure[check.key] > max) {
            const name = operation.name ? ` "${operation.name.value}"` : "";
            context.reportError(
              new GraphQLError(`Operation${name} has ${check.what} ${measure[check.key]}, over the limit of ${max}`, {
                nodes: [operation],
                extensions: { code: check.code, limit: max, actual: measure[check.key] },
              }),
            );
          }
        }
        return false; // the walk above has seen everything this rule needs
      },
    };
  };
}
