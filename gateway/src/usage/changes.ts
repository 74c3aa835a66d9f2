/**
 * The changes between two API schemas, classified by graphql-js's `findBreakingChanges` and
 * `findDangerousChanges` (everything else is safe: additions, listed here by a plain diff of
 * types and fields). Each change names the coordinate it is about and the coordinates an
 * operation must touch to be affected by it (`uses`, all of them), read from graphql-js's change
 * type and its fixed description templates (graphql 16).
 */
import { BreakingChangeType, DangerousChangeType, findBreakingChanges, findDangerousChanges, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from "graphql";

export type Severity = "breaking" | "dangerous" | "safe";

export interface SchemaChange {
  readonly severity: Severity;
  /** graphql-js's change type (`FIELD_REMOVED`, …), or `TYPE_ADDED` / `FIELD_ADDED` for safe ones. */
  readonly type: string;
  readonly description: string;
  /** The schema coordinate the change is about (`Query.orders`, `Query.orders(first:)`, `OrderStatus.SHIPPED`). */
  readonly coordinate: string;
  /** An operation that touched every one of these coordinates is affected; empty: none is. */
  readonly uses: readonly string[];
}

export function diffSchemas(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  const out: SchemaChange[] = [];
  for (const change of findBreakingChanges(before, after)) out.push({ severity: "breaking", type: change.type, description: change.description, ...locate(change.type, change.description) });
  for (const change of findDangerousChanges(before, after)) out.push({ severity: "dangerous", type: change.type, description: change.description, ...locate(change.type, change.description) });
  out.push(...additions(before, after));
  return out;
}

const id = "[_A-Za-z][_0-9A-Za-z]*";
const match = (re: string, text: string) => new RegExp(`^${re}`).exec(text);

/** The coordinate and the uses of one graphql-js change, from its type and description. */
function locate(type: string, description: string): { coordinate: string; uses: string[] } {
  let m: RegExpExecArray | null;
  switch (type) {
    case BreakingChangeType.TYPE_REMOVED:
    case BreakingChangeType.TYPE_CHANGED_KIND:
      if ((m = match(`(?:Standard scalar )?(${id})`, description))) return { coordinate: m[1]!, uses: [m[1]!] };
      break;
    case BreakingChangeType.TYPE_REMOVED_FROM_UNION:
    case DangerousChangeType.TYPE_ADDED_TO_UNION:
      if ((m = match(`(${id}) was (?:removed from|added to) union type (${id})`, description)))
        return { coordinate: m[2]!, uses: type === BreakingChangeType.TYPE_REMOVED_FROM_UNION ? [m[2]!, m[1]!] : [m[2]!] };
      break;
    case BreakingChangeType.VALUE_REMOVED_FROM_ENUM:
      if ((m = match(`(${id}) was removed from enum type (${id})`, description))) return { coordinate: `${m[2]}.${m[1]}`, uses: [`${m[2]}.${m[1]}`] };
      break;
    case DangerousChangeType.VALUE_ADDED_TO_ENUM:
      if ((m = match(`(${id}) was added to enum type (${id})`, description))) return { coordinate: `${m[2]}.${m[1]}`, uses: [m[2]!] };
      break;
    case BreakingChangeType.IMPLEMENTED_INTERFACE_REMOVED:
      if ((m = match(`(${id}) no longer implements interface (${id})`, description))) return { coordinate: m[1]!, uses: [m[1]!, m[2]!] };
      break;
    case DangerousChangeType.IMPLEMENTED_INTERFACE_ADDED:
      if ((m = match(`(${id}) added to interfaces implemented by (${id})`, description))) return { coordinate: m[2]!, uses: [m[2]!] };
      break;
    case BreakingChangeType.FIELD_REMOVED:
    case BreakingChangeType.FIELD_CHANGED_KIND:
      if ((m = match(`(${id})\\.(${id}) `, description))) return { coordinate: `${m[1]}.${m[2]}`, uses: [`${m[1]}.${m[2]}`] };
      break;
    case BreakingChangeType.REQUIRED_INPUT_FIELD_ADDED:
    case DangerousChangeType.OPTIONAL_INPUT_FIELD_ADDED:
      if ((m = match(`An? (?:required|optional) field (${id}) on input type (${id})`, description))) return { coordinate: `${m[2]}.${m[1]}`, uses: [m[2]!] };
      break;
    case BreakingChangeType.ARG_REMOVED:
    case BreakingChangeType.ARG_CHANGED_KIND:
      if ((m = match(`(${id})\\.(${id}) arg (${id}) `, description))) return { coordinate: `${m[1]}.${m[2]}(${m[3]}:)`, uses: [`${m[1]}.${m[2]}(${m[3]}:)`] };
      break;
    case DangerousChangeType.ARG_DEFAULT_VALUE_CHANGE:
      // Only operations that leave the argument out get the new default; those touching the field is the closest record.
      if ((m = match(`(${id})\\.(${id}) arg (${id}) `, description))) return { coordinate: `${m[1]}.${m[2]}(${m[3]}:)`, uses: [`${m[1]}.${m[2]}`] };
      break;
    case BreakingChangeType.REQUIRED_ARG_ADDED:
    case DangerousChangeType.OPTIONAL_ARG_ADDED:
      if ((m = match(`An? (?:required|optional) arg (${id}) on (${id})\\.(${id})`, description))) return { coordinate: `${m[2]}.${m[3]}(${m[1]}:)`, uses: [`${m[2]}.${m[3]}`] };
      break;
    case BreakingChangeType.DIRECTIVE_REMOVED:
      if ((m = match(`(${id}) was removed`, description))) return { coordinate: `@${m[1]}`, uses: [`@${m[1]}`] };
      break;
    case BreakingChangeType.DIRECTIVE_ARG_REMOVED:
    case BreakingChangeType.DIRECTIVE_LOCATION_REMOVED:
      if ((m = match(`(${id}) was removed from (${id})`, description))) return { coordinate: `@${m[2]}`, uses: [`@${m[2]}`] };
      break;
    case BreakingChangeType.REQUIRED_DIRECTIVE_ARG_ADDED:
      if ((m = match(`A required arg (${id}) on directive (${id})`, description))) return { coordinate: `@${m[2]}(${m[1]}:)`, uses: [`@${m[2]}`] };
      break;
    case BreakingChangeType.DIRECTIVE_REPEATABLE_REMOVED:
      if ((m = match(`Repeatable flag was removed from (${id})`, description))) return { coordinate: `@${m[1]}`, uses: [`@${m[1]}`] };
      break;
  }
  // An unknown template (a newer graphql-js): named by its text, matched by validation alone.
  return { coordinate: description, uses: [] };
}

/** Types and output fields added: safe for every existing operation. */
function additions(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  const out: SchemaChange[] = [];
  const old = before.getTypeMap();
  for (const [name, type] of Object.entries(after.getTypeMap())) {
    if (name.startsWith("__")) continue;
    const prior = old[name];
    if (!prior) {
      out.push({ severity: "safe", type: "TYPE_ADDED", description: `${name} was added.`, coordinate: name, uses: [] });
      continue;
    }
    if ((isObjectType(type) || isInterfaceType(type)) && (isObjectType(prior) || isInterfaceType(prior)) && !isInputObjectType(type)) {
      const priorFields = prior.getFields();
      for (const field of Object.keys(type.getFields())) {
        if (!(field in priorFields)) out.push({ severity: "safe", type: "FIELD_ADDED", description: `${name}.${field} was added.`, coordinate: `${name}.${field}`, uses: [] });
      }
    }
  }
  return out;
}

/** True when an operation that touched `coordinates` is affected by `change`. */
export function affects(change: SchemaChange, coordinates: ReadonlySet<string>): boolean {
  return change.uses.length > 0 && change.uses.every((c) => coordinates.has(c));
}
