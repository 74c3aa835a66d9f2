/**
 * routing.proto loaded once with @grpc/proto-loader, and the message shapes as TypeScript sees
 * them. The server, its tests and the gateway's gRPC backend all load the same file, so the
 * wire contract lives in one place. Fields are camelCase (proto-loader's default), int64 values
 * are JS numbers (epoch milliseconds stay far below 2^53), and unset fields read as defaults.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { loadSync, type Options } from "@grpc/proto-loader";

/** The .proto the routing service implements. */
export const ROUTING_PROTO_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "routing.proto");

/** How every reader of routing.proto loads it. */
export const PROTO_LOADER_OPTIONS: Options = Object.freeze({ keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });

export interface EtaRequest {
  deliveryId: string;
}

export interface EtaReply {
  deliveryId: string;
  etaEpochMs: number;
  remainingMeters: number;
  status: string;
  enRoute: boolean;
}

export interface EtaBatchRequest {
  deliveryIds: string[];
}

export interface EtaBatchReply {
  etas: EtaReply[];
  notFound: string[];
}

export interface CourierRequest {
  deliveryId: string;
  intervalMs: number;
}

export interface CourierLocation {
  deliveryId: string;
  courierId: string;
  latitude: number;
  longitude: number;
  sequence: number;
  remainingMeters: number;
  atEpochMs: number;
  arrived: boolean;
}

export interface AssignCourierRequest {
  deliveryId: string;
  courierId: string;
  idempotencyKey: string;
}

export interface CourierAssignment {
  deliveryId: string;
  courierId: string;
  revision: number;
  assignedAtEpochMs: number;
  replayed: boolean;
}

/** The client stub grpc-js builds from the service definition. */
export interface RoutingClient extends grpc.Client {
  estimateEta(request: EtaRequest, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: grpc.requestCallback<EtaReply>): grpc.ClientUnaryCall;
  estimateEtas(request: EtaBatchRequest, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: grpc.requestCallback<EtaBatchReply>): grpc.ClientUnaryCall;
  watchCourier(request: CourierRequest, metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<CourierLocation>;
  assignCourier(request: AssignCourierRequest, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: grpc.requestCallback<CourierAssignment>): grpc.ClientUnaryCall;
}

type RoutingClientConstructor = grpc.ServiceClientConstructor;

let loaded: RoutingClientConstructor | undefined;

/** The `routing.v1.Routing` service: its definition for a server, its constructor for clients. */
export function routingService(): RoutingClientConstructor {
  if (loaded) return loaded;
  const definition = grpc.loadPackageDefinition(loadSync(ROUTING_PROTO_PATH, PROTO_LOADER_OPTIONS));
  const pkg = (definition.routing as grpc.GrpcObject | undefined)?.v1 as grpc.GrpcObject | undefined;
  const ctor = pkg?.Routing;
  if (typeof ctor !== "function") throw new Error(`${ROUTING_PROTO_PATH} does not define routing.v1.Routing`);
  loaded = ctor as RoutingClientConstructor;
  return loaded;
}

/** A plaintext client for one instance (loopback or a trusted network, as the demo's subgraphs). */
export function createRoutingClient(address: string, options?: grpc.ClientOptions): RoutingClient {
  const Client = routingService();
  return new Client(address, grpc.credentials.createInsecure(), options) as unknown as RoutingClient;
}
