/**
 * Assembles the REST endpoints from `operations.rest` and the manifest: the endpoint table
 * (checked at start), the OpenAPI document per supergraph snapshot, and the handler. Assembly only.
 */
import type { GatewayConfig } from "../config/schema.ts";
import type { Execute } from "../execution/gateway-executor.ts";
import type { OperationPipeline } from "../pipeline/pipeline.ts";
import type { ContextOptions } from "../server/request-context.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import { loadEndpoints } from "./endpoints.ts";
import { openApiDocument } from "./openapi.ts";
import { createRestHandler, type RestHandler } from "./rest-handler.ts";

export interface RestDeps {
  pipeline: OperationPipeline;
  execute: Execute;
  snapshot: () => SupergraphSnapshot | undefined;
  context: ContextOptions;
}

export function setupRestEndpoints(config: GatewayConfig, deps: RestDeps): { basePath: string; handle: RestHandler } | undefined {
  const rest = config.operations.rest;
  const manifest = config.operations.persisted.manifest;
  if (!rest.enabled || !manifest) return undefined;
  const endpoints = loadEndpoints(manifest, rest.basePath);
  if (endpoints.length === 0) return undefined;
  const documents = new WeakMap<SupergraphSnapshot, string>();
  const openApi = () => {
    const snapshot = deps.snapshot();
    if (!snapshot) return undefined;
    let text = documents.get(snapshot);
    if (!text) documents.set(snapshot, (text = JSON.stringify(openApiDocument(endpoints, snapshot.apiSchema, { title: "Gateway REST endpoints", version: snapshot.hash.slice(0, 12) }))));
    return text;
  };
  return {
    basePath: rest.basePath,
    handle: createRestHandler({
      endpoints,
      basePath: rest.basePath,
      pipeline: deps.pipeline,
      execute: deps.execute,
      context: deps.context,
      bodyLimitBytes: config.server.bodyLimitBytes,
      bodyTimeoutMs: config.server.bodyTimeoutMs,
      cacheControl: rest.cacheControl,
      openApi,
      compression: config.server.compression.enabled ? config.server.compression : undefined,
    }),
  };
}
