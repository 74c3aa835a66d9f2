/**
 * A gRPC subgraph made executable: the subgraph's own schema as composition extracted it from
 * the supergraph (`_entities` included), with a resolver on every field that has an `@rpc` and
 * on `_entities`. Built once per supergraph snapshot; a fetch the planner sends to this subgraph
 * is executed against it in-process (sender.ts), graphql-js doing the selection, aliases,
 * `__typename`, null propagation and error paths. Entity fields load through one DataLoader per
 * fetch and RPC, so all the representations of a fetch become one batched call.
 */
import type { Supergraph } from "@apollo/federation-internals";
import DataLoader from "dataloader";
import { GraphQLError, GraphQLObjectType, GraphQLUnionType, type GraphQLSchema } from "graphql";
import { GrpcInstanceClient, serviceConstructor, type ChannelOptions } from "./client.ts";
import type { EntityRpc, GrpcGraph } from "./definitions.ts";
import { GrpcLoadError } from "./read-directives.ts";
import { grpcFieldError, notFoundError } from "./status-mapping.ts";

export interface GrpcRuntime {
  readonly graph: GrpcGraph;
  readonly schema: GraphQLSchema;
  /** Builds this service's client for one instance. */
  client(url: string, options?: ChannelOptions): GrpcInstanceClient;
}

/** One fetch executed in-process: how to call the instance, and the loaders of this fetch. */
export interface GrpcFetchState {
  readonly subgraph: string;
  /** One unary call to the instance the balancer picked; failures are recorded by the sender. */
  call(method: string, request: Record<string, unknown>): Promise<Record<string, unknown>>;
  readonly loaders: Map<EntityRpc, DataLoader<string, Record<string, unknown>>>;
}

/** One subscription's upstream executed in-process: how to open the server stream. */
export interface GrpcStreamState {
  readonly subgraph: string;
  stream(method: string, request: Record<string, unknown>): AsyncIterable<Record<string, unknown>>;
}

function loaderFor(state: GrpcFetchState, rpc: EntityRpc): DataLoader<string, Record<string, unknown>> {
  let loader = state.loaders.get(rpc);
  if (!loader) {
    loader = new DataLoader<string, Record<string, unknown>>(
      async (keys) => {
        let reply: Record<string, unknown>;
        try {
          reply = await state.call(rpc.method, { [rpc.request]: [...keys] });
        } catch (error) {
          const fieldError = grpcFieldError(error, state.subgraph, rpc.method);
          return keys.map(() => fieldError);
        }
        const answers = new Map<string, Record<string, unknown>>();
        const list = reply[rpc.reply];
        for (const item of Array.isArray(list) ? list : []) {
          if (item && typeof item === "object") answers.set(String((item as Record<string, unknown>)[rpc.replyKey]), item as Record<string, unknown>);
        }
        return keys.map((key) => answers.get(key) ?? notFoundError(state.subgraph, rpc.method, key));
      },
      { maxBatchSize: rpc.maxBatch, cache: true },
    );
    state.loaders.set(rpc, loader);
  }
  return loader;
}

/** Loads the graph's .proto and checks every @rpc names a method of its service; throws GrpcLoadError. */
export function checkGrpcGraph(graph: GrpcGraph): void {
  const ctor = serviceConstructor(graph.service);
  for (const rpc of graph.rpcs) {
    if (!GrpcInstanceClient.hasMethod(ctor, rpc.method)) throw new GrpcLoadError(`grpc: @rpc on ${rpc.typeName}.${rpc.fieldName}: ${graph.service.service} has no method ${rpc.method}`);
  }
}

export function buildGrpcRuntime(graph: GrpcGraph, supergraph: Supergraph): GrpcRuntime {
  const subgraph = supergraph.subgraphs().get(graph.name);
  if (!subgraph) throw new GrpcLoadError(`grpc: subgraph "${graph.name}" is not in the supergraph`);
  checkGrpcGraph(graph);
  const ctor = serviceConstructor(graph.service);
  const schema = subgraph.schema.toGraphQLJSSchema();
  for (const rpc of graph.rpcs) {
    const where = `${rpc.typeName}.${rpc.fieldName}`;
    const type = schema.getType(rpc.typeName);
    const field = type instanceof GraphQLObjectType ? type.getFields()[rpc.fieldName] : undefined;
    if (!field) throw new GrpcLoadError(`grpc: @rpc on ${where}: no such field in subgraph "${graph.name}"`);
    if (rpc.kind === "stream") {
      // graphql-js's subscribe() reads the stream; each message is the field's value for one event.
      field.subscribe = (_root: unknown, args: Record<string, unknown>, state: GrpcStreamState) => state.stream(rpc.method, args);
      field.resolve = (message: unknown) => message;
    } else if (rpc.kind === "root") {
      field.resolve = (_root: unknown, args: Record<string, unknown>, state: GrpcFetchState) =>
        state.call(rpc.method, args).catch((error: unknown) => {
          throw grpcFieldError(error, state.subgraph, rpc.method);
        });
    } else {
      field.resolve = (parent: Record<string, unknown>, _args: unknown, state: GrpcFetchState) => {
        const key = parent[rpc.key];
        // The planner always sends the @key fields; a representation without one is the gateway's fault, not the caller's.
        if (key === undefined || key === null) throw new GraphQLError(`${where} needs ${rpc.key} in the representation`, { extensions: { code: "INTERNAL_SERVER_ERROR", subgraph: graph.name } });
        return loaderFor(state, rpc).load(String(key));
      };
    }
  }
  const entitiesField = schema.getQueryType()?.getFields()._entities;
  // The representation is the entity: its key fields are there, the @rpc fields load from it.
  if (entitiesField) entitiesField.resolve = (_root: unknown, args: { representations: Record<string, unknown>[] }) => args.representations;
  const entityUnion = schema.getType("_Entity");
  if (entityUnion instanceof GraphQLUnionType) entityUnion.resolveType = (value) => (value as { __typename?: string }).__typename;
  return { graph, schema, client: (url, options) => new GrpcInstanceClient(url, ctor, options) };
}
