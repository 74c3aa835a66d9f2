/**
 * Where a `@grpcService(proto:)` file is read from. An absolute path is used as is; a relative one
 * is looked up in `supergraph.protoDirs`, in order, like protoc's `-I` (the first directory that
 * holds it wins), and in the working directory when none is configured: the path written in the
 * subgraph's SDL is relative to the project root, where `supergraph.yaml` composes it, and the
 * gateway runs from there under `npm start` and in its image.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { GrpcGraph } from "./definitions.ts";
import { GrpcLoadError } from "./read-directives.ts";

/** The absolute path of `proto`; throws naming every place looked in when none holds it. */
export function resolveProtoPath(proto: string, dirs: readonly string[] | undefined, serviceName: string): string {
  if (isAbsolute(proto)) return proto;
  if (!dirs || dirs.length === 0) return resolve(proto);
  const candidates = dirs.map((dir) => resolve(dir, proto));
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  throw new GrpcLoadError(`grpc: @grpcService "${serviceName}": ${proto} is in none of supergraph.protoDirs (looked for ${candidates.join(", ")})`);
}

/** The graphs with each service's .proto as the absolute path it is read from. */
export function withProtoPaths(graphs: readonly GrpcGraph[], dirs: readonly string[] | undefined): GrpcGraph[] {
  return graphs.map((graph) => ({ ...graph, service: { ...graph.service, proto: resolveProtoPath(graph.service.proto, dirs, graph.service.name) } }));
}
