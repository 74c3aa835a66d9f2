/**
 * Which variables of an operation may reach a log, decided by what each variable feeds, never by
 * its name (the client chooses names: `$p` can carry a password). A variable is redacted whole
 * when it feeds an argument named like a secret (`login(password:)`), an argument listed in the
 * config (`login(password:)` or `Mutation.login(password:)`, matched on `field(arg:)`), or when
 * it feeds no argument at all (nothing says what it is). Inside the values that remain, input
 * fields named like a secret are redacted at any depth. Inline literals are never logged: only
 * variables are.
 *
 * The walk over the document is linear: each fragment definition is visited once.
 */
import { Kind, type ArgumentNode, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from "graphql";

export interface RedactionRules {
  /** Words matched case-insensitively as substrings of argument and input-field names. */
  readonly sensitiveNames: readonly string[];
  /** Arguments always redacted, as `field(arg:)` or `Type.field(arg:)`. */
  readonly sensitiveArguments: readonly string[];
}

/** Per variable name: "whole" (redact entirely) or "fields" (copy, redacting secret-named input fields). */
export type VariablePlan = ReadonlyMap<string, "whole" | "fields">;

export function planRedaction(document: DocumentNode | undefined, operation: OperationDefinitionNode, rules: RedactionRules): VariablePlan {
  const words = rules.sensitiveNames.map((w) => w.toLowerCase());
  const listed = new Set(rules.sensitiveArguments.map((a) => (a.includes(".") ? a.slice(a.indexOf(".") + 1) : a)));
  const secretName = (name: string) => {
    const lower = name.toLowerCase();
    return words.some((w) => lower.includes(w));
  };
  const plan = new Map<string, "whole" | "fields">();
  for (const def of operation.variableDefinitions ?? []) plan.set(def.variable.name.value, "whole");
  const fed = new Set<string>();
  const secret = new Set<string>();
  const fragments = new Map<string, SelectionSetNode>();
  for (const def of document?.definitions ?? []) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def.selectionSet);

  const visitValue = (value: ValueNode, isSecret: boolean): void => {
    switch (value.kind) {
      case Kind.VARIABLE:
        fed.add(value.name.value);
        if (isSecret) secret.add(value.name.value);
        return;
      case Kind.LIST:
        for (const item of value.values) visitValue(item, isSecret);
        return;
      case Kind.OBJECT:
        for (const field of value.fields) visitValue(field.value, isSecret || secretName(field.name.value));
        return;
      default:
        return;
    }
  };
  const visitArguments = (field: string, args: readonly ArgumentNode[] | undefined) => {
    for (const arg of args ?? []) visitValue(arg.value, secretName(arg.name.value) || listed.has(`${field}(${arg.name.value}:)`));
  };
  const seen = new Set<string>();
  const stack: SelectionSetNode[] = [operation.selectionSet];
  while (stack.length > 0) {
    const set = stack.pop()!;
    for (const selection of set.selections) {
      for (const directive of selection.directives ?? []) visitArguments(`@${directive.name.value}`, directive.arguments);
      if (selection.kind === Kind.FIELD) {
        visitArguments(selection.name.value, selection.arguments);
        if (selection.selectionSet) stack.push(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        stack.push(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) stack.push(fragment);
      }
    }
  }
  for (const name of plan.keys()) if (fed.has(name) && !secret.has(name)) plan.set(name, "fields");
  return plan;
}
