/**
 * Reads the gRPC subgraphs out of a composed supergraph. `@grpcService` and `@rpc` reach the
 * supergraph through `@composeDirective`, which keeps their applications but not which subgraph
 * wrote them: a field's subgraph is its `@join__field(graph:)` (or its type's only
 * `@join__type`), and a service belongs to the subgraph whose fields name it. Anything the
 * runtime cannot honour is refused here, naming the field and the argument.
 */
import { Kind, parse, type ConstArgumentNode, type ConstDirectiveNode, type DocumentNode, type FieldDefinitionNode, type ObjectTypeDefinitionNode, type ObjectTypeExtensionNode } from "graphql";
import type { GrpcGraph, GrpcServiceDefinition, RpcDefinition } from "./definitions.ts";

/** Thrown for a mapping the gateway does not support; the supergraph is refused. */
export class GrpcLoadError extends Error {
  override name = "GrpcLoadError";
}

/** What the routing service accepts per batch; a directive may lower it with `maxBatch`. */
const DEFAULT_MAX_BATCH = 100;

const argString = (directive: ConstDirectiveNode, name: string): string | undefined => {
  const arg = directive.arguments?.find((a: ConstArgumentNode) => a.name.value === name);
  if (!arg) return undefined;
  if (arg.value.kind !== Kind.STRING && arg.value.kind !== Kind.ENUM) throw new GrpcLoadError(`@${directive.name.value}(${name}:) must be a string`);
  return arg.value.value;
};

const argInt = (directive: ConstDirectiveNode, name: string): number | undefined => {
  const arg = directive.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  if (arg.value.kind !== Kind.INT) throw new GrpcLoadError(`@${directive.name.value}(${name}:) must be an integer`);
  return Number(arg.value.value);
};

function required(directive: ConstDirectiveNode, name: string, where: string): string {
  const value = argString(directive, name);
  if (!value) throw new GrpcLoadError(`grpc: @${directive.name.value} on ${where} needs ${name}:`);
  return value;
}

/** The join__Graph enum value → subgraph name. */
function graphNames(doc: DocumentNode): Map<string, string> {
  const names = new Map<string, string>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== "join__Graph") continue;
    for (const value of def.values ?? []) {
      const graph = value.directives?.find((d) => d.name.value === "join__graph");
      const name = graph && argString(graph, "name");
      if (name) names.set(value.name.value, name);
    }
  }
  return names;
}

function ownerOf(type: ObjectTypeDefinitionNode | ObjectTypeExtensionNode, field: FieldDefinitionNode, graphs: Map<string, string>): string | undefined {
  const joins = field.directives?.filter((d) => d.name.value === "join__field") ?? [];
  const fromField = joins.map((d) => argString(d, "graph")).filter((g): g is string => g !== undefined);
  const candidates = fromField.length > 0 ? fromField : (type.directives ?? []).filter((d) => d.name.value === "join__type").map((d) => argString(d, "graph")!);
  const unique = [...new Set(candidates)];
  return unique.length === 1 ? graphs.get(unique[0]!) : undefined;
}

/** Every gRPC subgraph of the supergraph; none when it uses no `@grpcService`. */
export function readGrpcGraphs(sdl: string): GrpcGraph[] {
  if (!sdl.includes("@grpcService")) return [];
  const doc = parse(sdl, { noLocation: true });
  const services = new Map<string, GrpcServiceDefinition>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const d of def.directives ?? []) {
      if (d.name.value !== "grpcService") continue;
      const service = { name: required(d, "name", "the schema"), proto: required(d, "proto", "the schema"), service: required(d, "service", "the schema") };
      if (services.has(service.name)) throw new GrpcLoadError(`grpc: two @grpcService named "${service.name}"`);
      services.set(service.name, service);
    }
  }
  const graphs = graphNames(doc);
  const bySubgraph = new Map<string, { service: GrpcServiceDefinition; rpcs: RpcDefinition[] }>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const isRoot = def.name.value === "Query" || def.name.value === "Mutation" || def.name.value === "Subscription";
    for (const field of def.fields ?? []) {
      for (const d of field.directives ?? []) {
        if (d.name.value !== "rpc") continue;
        const where = `${def.name.value}.${field.name.value}`;
        const serviceName = required(d, "service", where);
        const service = services.get(serviceName);
        if (!service) throw new GrpcLoadError(`grpc: @rpc on ${where} names service "${serviceName}", which no @grpcService defines`);
        const subgraph = ownerOf(def, field, graphs);
        if (!subgraph) throw new GrpcLoadError(`grpc: @rpc on ${where}: the field must belong to exactly one subgraph`);
        const method = required(d, "method", where);
        let rpc: RpcDefinition;
        if (isRoot) {
          for (const arg of ["key", "request", "reply", "replyKey"]) {
            if (argString(d, arg) !== undefined) throw new GrpcLoadError(`grpc: @rpc on ${where}: ${arg}: is for entity fields, not root fields`);
          }
          rpc = { kind: def.name.value === "Subscription" ? "stream" : "root", typeName: def.name.value, fieldName: field.name.value, method };
        } else {
          const maxBatch = argInt(d, "maxBatch") ?? DEFAULT_MAX_BATCH;
          if (maxBatch < 1) throw new GrpcLoadError(`grpc: @rpc on ${where}: maxBatch: must be at least 1`);
          rpc = {
            kind: "entity",
            typeName: def.name.value,
            fieldName: field.name.value,
            method,
            key: required(d, "key", where),
            request: required(d, "request", where),
            reply: required(d, "reply", where),
            replyKey: required(d, "replyKey", where),
            maxBatch,
          };
        }
        const entry = bySubgraph.get(subgraph) ?? { service, rpcs: [] };
        if (entry.service !== service) throw new GrpcLoadError(`grpc: subgraph "${subgraph}" names two services ("${entry.service.name}", "${service.name}"); one per subgraph is supported`);
        entry.rpcs.push(rpc);
        bySubgraph.set(subgraph, entry);
      }
    }
  }
  return [...bySubgraph].map(([name, { service, rpcs }]) => ({ name, service, rpcs }));
}
