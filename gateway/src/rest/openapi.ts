/**
 * The OpenAPI 3.1 document of the REST endpoints, generated from the operations themselves:
 * variables become path and query parameters or the JSON request body (types from their
 * declarations), the selection becomes the response schema (aliases, nullability, lists,
 * enums; fields under @skip/@include or a type condition are not required), and the errors
 * become problem responses. Built once per supergraph snapshot.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  typeFromAST,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
  isCompositeType,
  isObjectType,
  isInterfaceType,
} from "graphql";
import { hasBody } from "./variables.ts";
import type { Endpoint } from "./endpoints.ts";

type JsonSchema = Record<string, unknown>;

export interface OpenApiOptions {
  readonly title: string;
  readonly version: string;
}

const problemRef = { $ref: "#/components/schemas/Problem" };
const errorResponses = {
  "400": "The parameters or the body are not what the endpoint takes, or a limit refused the operation",
  "401": "Missing, invalid or expired credentials",
  "403": "The caller may not read what the operation asks for",
  "404": "Nothing found for these parameters",
  "429": "Rate limited: retry after Retry-After seconds",
  "502": "A service behind the gateway failed",
  "504": "A service behind the gateway did not answer in time",
};

export function openApiDocument(endpoints: readonly Endpoint[], schema: GraphQLSchema, options: OpenApiOptions): Record<string, unknown> {
  const components: Record<string, JsonSchema> = {
    Problem: {
      type: "object",
      description: "An RFC 9457 problem: the GraphQL errors behind the status, with their codes.",
      required: ["type", "title", "status", "detail", "errors"],
      properties: {
        type: { type: "string" },
        title: { type: "string" },
        status: { type: "integer" },
        detail: { type: "string" },
        code: { type: "string" },
        requestId: { type: "string" },
        errors: { type: "array", items: { type: "object", properties: { message: { type: "string" }, extensions: { type: "object" } }, required: ["message"] } },
      },
    },
  };
  const inputs = new InputSchemas(components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    const fragments = new Map(endpoint.document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
    const inPath = new Set(endpoint.segments.flatMap((s) => (s.kind === "param" ? [s.name] : [])));
    const parameters: unknown[] = [];
    const bodyProperties: Record<string, JsonSchema> = {};
    const bodyRequired: string[] = [];
    for (const definition of endpoint.operation.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
      const valueSchema = type ? inputs.of(type) : {};
      const required = definition.type.kind === Kind.NON_NULL_TYPE && !definition.defaultValue;
      if (inPath.has(name)) parameters.push({ name, in: "path", required: true, schema: valueSchema });
      else if (hasBody(endpoint.method)) {
        bodyProperties[name] = valueSchema;
        if (required) bodyRequired.push(name);
      } else parameters.push({ name, in: "query", required, schema: valueSchema, ...(type && isListType(isNonNullType(type) ? type.ofType : type) ? { style: "form", explode: true } : {}) });
    }
    const rootType = schema.getRootType(endpoint.operation.operation)!;
    const roots = selectionSchema(schema, endpoint.operation.selectionSet, rootType, fragments);
    const rootKeys = Object.keys(roots.properties);
    const responseSchema = rootKeys.length === 1 ? roots.properties[rootKeys[0]!]! : { type: "object", properties: roots.properties, required: roots.required };
    const openApiPath = endpoint.path;
    paths[openApiPath] ??= {};
    paths[openApiPath]![endpoint.method.toLowerCase()] = {
      operationId: endpoint.id.replace(/[^A-Za-z0-9_.-]/g, "_"),
      ...(endpoint.summary ? { summary: endpoint.summary } : {}),
      description: `Runs the GraphQL ${endpoint.operation.operation}${endpoint.operationName ? ` ${endpoint.operationName}` : ""} through the gateway.`,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(hasBody(endpoint.method)
        ? { requestBody: { required: bodyRequired.length > 0, content: { "application/json": { schema: { type: "object", properties: bodyProperties, required: bodyRequired, additionalProperties: false } } } } }
        : {}),
      responses: {
        "200": { description: "The operation's answer", content: { "application/json": { schema: responseSchema } } },
        ...(endpoint.method === "GET" ? { "304": { description: "Not modified since the ETag sent in If-None-Match" } } : {}),
        ...Object.fromEntries(Object.entries(errorResponses).map(([status, description]) => [status, { description, content: { "application/problem+json": { schema: problemRef } } }])),
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: options.title, version: options.version, description: "REST endpoints of trusted GraphQL operations, served by the gateway through the same pipeline as /graphql." },
    paths,
    components: { schemas: components, securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    security: [{}, { bearer: [] }],
  };
}

/** Input types as JSON Schema; input objects go to components (they may be recursive). */
class InputSchemas {
  constructor(private readonly components: Record<string, JsonSchema>) {}

  of(type: GraphQLInputType): JsonSchema {
    if (isNonNullType(type)) return this.named(type.ofType);
    return nullable(this.named(type));
  }

  private named(type: GraphQLInputType): JsonSchema {
    if (isListType(type)) return { type: "array", items: this.of(type.ofType) };
    if (isInputObjectType(type)) {
      if (!this.components[type.name]) {
        this.components[type.name] = {}; // placeholder first: a recursive field refers to it
        const fields = type.getFields();
        this.components[type.name] = {
          type: "object",
          ...(type.description ? { description: type.description } : {}),
          properties: Object.fromEntries(Object.values(fields).map((f) => [f.name, this.of(f.type)])),
          required: Object.values(fields).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined).map((f) => f.name),
          additionalProperties: false,
        };
      }
      return { $ref: `#/components/schemas/${type.name}` };
    }
    return leaf(type as GraphQLNamedType);
  }
}

function leaf(type: GraphQLNamedType): JsonSchema {
  if (isEnumType(type)) return { type: "string", enum: type.getValues().map((v) => v.name) };
  if (isScalarType(type)) {
    switch (type.name) {
      case "Int":
        return { type: "integer", format: "int32" };
      case "Float":
        return { type: "number" };
      case "Boolean":
        return { type: "boolean" };
      case "String":
      case "ID":
        return { type: "string" };
    }
  }
  return {}; // a custom scalar: any JSON value
}

function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === "string") return { ...schema, type: [schema.type, "null"], ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}) };
  return { anyOf: [schema, { type: "null" }] };
}

interface ObjectShape {
  properties: Record<string, JsonSchema>;
  required: string[];
}

/** The response shape of a selection set on a composite type; fragments merged in. */
function selectionSchema(schema: GraphQLSchema, set: SelectionSetNode, parent: GraphQLNamedType, fragments: ReadonlyMap<string, FragmentDefinitionNode>, conditional = false, seen = new Set<string>()): ObjectShape {
  const shape: ObjectShape = { properties: {}, required: [] };
  const add = (other: ObjectShape, optional: boolean) => {
    Object.assign(shape.properties, other.properties);
    if (!optional) for (const r of other.required) if (!shape.required.includes(r)) shape.required.push(r);
  };
  for (const selection of set.selections) {
    const skippable = (selection.directives ?? []).some((d) => d.name.value === "skip" || d.name.value === "include");
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      if (selection.name.value === "__typename") {
        shape.properties[key] = { type: "string" };
        if (!skippable && !conditional) shape.required.push(key);
        continue;
      }
      const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
      if (!field) continue;
      shape.properties[key] = outputSchema(schema, field.type, selection.selectionSet, fragments, seen);
      if (!skippable && !conditional && !shape.required.includes(key)) shape.required.push(key);
    } else {
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) continue;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        if (seen.has(selection.name.value)) continue; // validation refuses cycles; this only guards the walk
        seen = new Set(seen).add(selection.name.value);
      }
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
      if (!condition) continue;
      const narrows = condition.name !== parent.name;
      add(selectionSchema(schema, fragment.selectionSet, condition, fragments, conditional || narrows || skippable, seen), conditional || narrows || skippable);
    }
  }
  return shape;
}

function outputSchema(schema: GraphQLSchema, type: GraphQLOutputType, set: SelectionSetNode | undefined, fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen: Set<string>): JsonSchema {
  const inner = (t: GraphQLOutputType): JsonSchema => {
    if (isListType(t)) return { type: "array", items: outputSchema(schema, t.ofType, set, fragments, seen) };
    const named = getNamedType(t);
    if (isCompositeType(named) && set) {
      const shape = selectionSchema(schema, set, named, fragments, false, seen);
      return { type: "object", properties: shape.properties, required: shape.required };
    }
    return leaf(named);
  };
  return isNonNullType(type) ? inner(type.ofType) : nullable(inner(type));
}
