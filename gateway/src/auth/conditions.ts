/**
 * `@skip`/`@include` on a selection, kept symbolic so the analysis is cached per document and
 * evaluated per request against its variables: an unauthorized field that is skipped at run
 * time gets neither a `null` nor an error.
 */
import { Kind, type ConstDirectiveNode, type DirectiveNode } from "graphql";

export interface Condition {
  /** `include` keeps the selection when the value is true; `skip` when it is false. */
  readonly directive: "skip" | "include";
  readonly value: boolean | { readonly variable: string };
}

export function conditionsOf(directives: readonly (DirectiveNode | ConstDirectiveNode)[] | undefined): Condition[] {
  const out: Condition[] = [];
  for (const d of directives ?? []) {
    const name = d.name.value;
    if (name !== "skip" && name !== "include") continue;
    const arg = d.arguments?.find((a) => a.name.value === "if")?.value;
    if (arg?.kind === Kind.BOOLEAN) out.push({ directive: name, value: arg.value });
    else if (arg?.kind === Kind.VARIABLE) out.push({ directive: name, value: { variable: arg.name.value } });
  }
  return out;
}

/** True when every condition lets the selection through, given the coerced variable values. */
export function conditionsHold(conditions: readonly Condition[], variables: Readonly<Record<string, unknown>>): boolean {
  for (const c of conditions) {
    const value = typeof c.value === "boolean" ? c.value : variables[c.value.variable] === true;
    if (c.directive === "include" ? !value : value) return false;
  }
  return true;
}
