/**
 * An endpoint's variables from the HTTP request: `{param}`s from the path, others from the query
 * string (repeated parameters make a list) or, for POST, PUT and PATCH, the JSON body's fields.
 * Text from the path and the query string is converted by the variable's declared type (Int,
 * Float, Boolean, lists of them); the pipeline's coercion checks the rest (enums, input objects)
 * as for any operation. A missing required parameter, a value of the wrong type or a parameter
 * the operation does not declare is a fault naming it.
 */
import { Kind, type TypeNode, type VariableDefinitionNode } from "graphql";
import type { Endpoint } from "./endpoints.ts";

export type VariablesOutcome = { readonly kind: "ok"; readonly variables: Record<string, unknown> } | { readonly kind: "fault"; readonly message: string; readonly parameter: string };

export const hasBody = (method: string) => method === "POST" || method === "PUT" || method === "PATCH";

export function endpointVariables(endpoint: Endpoint, params: Readonly<Record<string, string>>, query: URLSearchParams, body: Record<string, unknown> | undefined): VariablesOutcome {
  const definitions = endpoint.operation.variableDefinitions ?? [];
  const declared = new Set(definitions.map((d) => d.variable.name.value));
  for (const name of new Set(query.keys())) {
    if (!declared.has(name)) return fault(name, `Unknown query parameter "${name}"; this endpoint takes ${[...declared].map((d) => `"${d}"`).join(", ") || "none"}`);
  }
  for (const name of Object.keys(body ?? {})) {
    if (!declared.has(name)) return fault(name, `Unknown field "${name}" in the request body; this endpoint takes ${[...declared].map((d) => `"${d}"`).join(", ") || "none"}`);
  }
  const variables: Record<string, unknown> = {};
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    const inPath = name in params;
    const texts = inPath ? [params[name]!] : query.getAll(name);
    if (body && Object.hasOwn(body, name)) {
      variables[name] = body[name];
      continue;
    }
    if (texts.length === 0) {
      if (definition.type.kind === Kind.NON_NULL_TYPE && !definition.defaultValue) return fault(name, `Missing required parameter "${name}" (${describe(definition.type)}) ${where(inPath)}`);
      continue;
    }
    const converted = fromText(definition, texts, inPath);
    if (converted.kind === "fault") return converted;
    variables[name] = converted.value;
  }
  return { kind: "ok", variables };
}

type Converted = { kind: "ok"; value: unknown } | { kind: "fault"; message: string; parameter: string };

function fromText(definition: VariableDefinitionNode, texts: readonly string[], inPath: boolean): Converted {
  const name = definition.variable.name.value;
  const type = definition.type.kind === Kind.NON_NULL_TYPE ? definition.type.type : definition.type;
  if (type.kind === Kind.LIST_TYPE) {
    const items: unknown[] = [];
    for (const text of texts) {
      const item = scalar(name, type.type.kind === Kind.NON_NULL_TYPE ? type.type.type : type.type, text, inPath);
      if (item.kind === "fault") return item;
      items.push(item.value);
    }
    return { kind: "ok", value: items };
  }
  if (texts.length > 1) return fault(name, `Parameter "${name}" is given ${texts.length} times; it takes one value`);
  return scalar(name, type, texts[0]!, inPath);
}

function scalar(name: string, type: TypeNode, text: string, inPath: boolean): Converted {
  if (type.kind !== Kind.NAMED_TYPE) return fault(name, `Parameter "${name}" is a nested list; send it in a JSON body`);
  switch (type.name.value) {
    case "Int": {
      const n = Number(text);
      if (!/^-?\d+$/.test(text) || n > 2_147_483_647 || n < -2_147_483_648) return fault(name, `Parameter "${name}" must be an integer, got "${text.slice(0, 40)}" ${where(inPath)}`);
      return { kind: "ok", value: n };
    }
    case "Float": {
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) return fault(name, `Parameter "${name}" must be a number, got "${text.slice(0, 40)}" ${where(inPath)}`);
      return { kind: "ok", value: n };
    }
    case "Boolean":
      if (text !== "true" && text !== "false") return fault(name, `Parameter "${name}" must be true or false, got "${text.slice(0, 40)}" ${where(inPath)}`);
      return { kind: "ok", value: text === "true" };
    default:
      // String, ID, enums and custom scalars take the text; the pipeline's coercion checks enums.
      return { kind: "ok", value: text };
  }
}

const fault = (parameter: string, message: string) => ({ kind: "fault", message, parameter }) as const;
const where = (inPath: boolean) => (inPath ? "in the path" : "in the query string");

function describe(type: TypeNode): string {
  if (type.kind === Kind.NON_NULL_TYPE) return `${describe(type.type)}!`;
  if (type.kind === Kind.LIST_TYPE) return `[${describe(type.type)}]`;
  return type.name.value;
}
