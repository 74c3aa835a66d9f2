/**
 * The gRPC mapping of a subgraph, as its SDL's directives state it (README "gRPC services in the
 * graph"): which .proto and service the subgraph is, and which RPC resolves which field.
 *
 *   @grpcService(name: "routing", proto: "services/routing/routing.proto", service: "routing.v1.Routing")   on the schema
 *   @rpc(service: "routing", method: "EstimateEta")                                                          on a root field
 *   @rpc(service: "routing", method: "WatchCourier")                                                         on a Subscription field
 *   @rpc(service: "routing", method: "EstimateEtas", key: "id", request: "deliveryIds",
 *        reply: "etas", replyKey: "deliveryId")                                                             on an entity's field
 */

/** One `@grpcService`: a gRPC service a subgraph is made of. */
export interface GrpcServiceDefinition {
  /** What `@rpc(service:)` refers to. */
  readonly name: string;
  /** The .proto file: as written in the SDL when read, absolute once loaded (grpc/proto-path.ts). */
  readonly proto: string;
  /** The fully qualified service name in that file (`routing.v1.Routing`). */
  readonly service: string;
}

/**
 * A root field resolved by one unary call: the field's arguments are the request message's
 * fields (by name), the reply message is the field's value (its fields read by name).
 */
export interface RootRpc {
  readonly kind: "root";
  readonly typeName: string;
  readonly fieldName: string;
  readonly method: string;
}

/**
 * An entity's field resolved by one batched unary call per fetch: the representations' `key`
 * values go as the repeated `request` field; each message in the reply's repeated `reply` field
 * is matched back by its `replyKey` (never by position) and is that entity's field value. A key
 * with no answer is null with a NOT_FOUND error.
 */
export interface EntityRpc {
  readonly kind: "entity";
  readonly typeName: string;
  readonly fieldName: string;
  readonly method: string;
  readonly key: string;
  readonly request: string;
  readonly reply: string;
  readonly replyKey: string;
  /** Keys per call at most; more are sent as further calls of the same fetch. */
  readonly maxBatch: number;
}

/**
 * A Subscription field resolved by a server-streaming call: the field's arguments are the
 * request message, each streamed message is one event's field value; the stream's end
 * completes the subscription.
 */
export interface StreamRpc {
  readonly kind: "stream";
  readonly typeName: string;
  readonly fieldName: string;
  readonly method: string;
}

export type RpcDefinition = RootRpc | EntityRpc | StreamRpc;

/** A subgraph the gateway runs itself against a gRPC service. */
export interface GrpcGraph {
  /** The subgraph's name in the supergraph. */
  readonly name: string;
  readonly service: GrpcServiceDefinition;
  readonly rpcs: readonly RpcDefinition[];
}
