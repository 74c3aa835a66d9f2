/**
 * One gRPC channel per instance, for the service a `@grpcService` names. The .proto is loaded at
 * run time with @grpc/proto-loader (once per file and service), so a new supergraph may name a
 * new file without a rebuild. Unary calls take a deadline, metadata and an abort signal, and
 * settle with the reply or the grpc-js ServiceError; server-streaming calls are async iterables.
 */
import { resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import type { GrpcServiceDefinition } from "./definitions.ts";
import { GrpcLoadError } from "./read-directives.ts";

/** camelCase fields, int64 as numbers, defaults filled in: what the subgraph's schema reads. */
const LOADER_OPTIONS = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true } as const;

const constructors = new Map<string, grpc.ServiceClientConstructor>();

/** The client constructor of a service; throws GrpcLoadError naming the file or service that is missing. */
export function serviceConstructor(definition: GrpcServiceDefinition): grpc.ServiceClientConstructor {
  const cacheKey = `${definition.proto}#${definition.service}`;
  const cached = constructors.get(cacheKey);
  if (cached) return cached;
  let pkg: grpc.GrpcObject;
  try {
    pkg = grpc.loadPackageDefinition(loadSync(resolve(definition.proto), LOADER_OPTIONS));
  } catch (e) {
    throw new GrpcLoadError(`grpc: @grpcService "${definition.name}": cannot load ${definition.proto}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let node: unknown = pkg;
  for (const part of definition.service.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== "function" || !("service" in node)) throw new GrpcLoadError(`grpc: @grpcService "${definition.name}": ${definition.proto} has no service ${definition.service}`);
  const ctor = node as grpc.ServiceClientConstructor;
  constructors.set(cacheKey, ctor);
  return ctor;
}

export interface UnaryOptions {
  deadline: number;
  metadata: grpc.Metadata;
  signal: AbortSignal | undefined;
}

type UnaryMethod = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<unknown>) => grpc.ClientUnaryCall;

export interface ChannelOptions {
  /**
   * Largest message the gateway reads from the instance (the subgraph's `maxResponseBytes`);
   * grpc-js's own default is 4 MiB. A larger reply fails the call with RESOURCE_EXHAUSTED.
   */
  readonly maxReceiveMessageBytes?: number;
}

/** A channel to one instance (`grpc://host:port`); plaintext, as the demo's other subgraphs are. */
export class GrpcInstanceClient {
  private readonly client: grpc.Client;

  constructor(
    readonly url: string,
    ctor: grpc.ServiceClientConstructor,
    options: ChannelOptions = {},
  ) {
    const channel: grpc.ChannelOptions = options.maxReceiveMessageBytes === undefined ? {} : { "grpc.max_receive_message_length": options.maxReceiveMessageBytes };
    this.client = new ctor(new URL(url).host, grpc.credentials.createInsecure(), channel);
  }

  /** True when the method exists on the service (checked at load, before any call). */
  static hasMethod(ctor: grpc.ServiceClientConstructor, method: string): boolean {
    return Object.prototype.hasOwnProperty.call(ctor.service, method);
  }

  unary(method: string, request: unknown, options: UnaryOptions): Promise<Record<string, unknown>> {
    const call = (this.client as unknown as Record<string, UnaryMethod>)[method];
    if (typeof call !== "function") return Promise.reject(new Error(`no method ${method}`));
    return new Promise((resolvePromise, reject) => {
      if (options.signal?.aborted) {
        reject(Object.assign(new Error("cancelled by the gateway"), { code: grpc.status.CANCELLED, details: "cancelled", metadata: new grpc.Metadata() }));
        return;
      }
      const onAbort = () => pending.cancel();
      const pending = call.call(this.client, request, options.metadata, { deadline: options.deadline }, (error, reply) => {
        options.signal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolvePromise((reply ?? {}) as Record<string, unknown>);
      });
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** A server-streaming call; its messages as they come, ending with the stream (or throwing its status). */
  serverStream(method: string, request: unknown, options: { metadata: grpc.Metadata; signal: AbortSignal }): AsyncIterable<Record<string, unknown>> {
    const call = (this.client as unknown as Record<string, (req: unknown, md: grpc.Metadata) => grpc.ClientReadableStream<Record<string, unknown>>>)[method];
    if (typeof call !== "function") throw new Error(`no method ${method}`);
    const stream = call.call(this.client, request, options.metadata);
    // A client that leaves cancels the call: the service stops streaming (CANCELLED on its side).
    options.signal.addEventListener("abort", () => stream.cancel(), { once: true });
    stream.on("error", () => undefined); // read through the async iterator below
    return stream;
  }

  /** Resolves when the channel is connected (health checks), rejects past the deadline. */
  ready(deadline: number): Promise<void> {
    return new Promise((resolvePromise, reject) => this.client.waitForReady(deadline, (error) => (error ? reject(error) : resolvePromise())));
  }

  close(): void {
    this.client.close();
  }
}
