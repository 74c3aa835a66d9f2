/**
 * Runs a compiled plan for one request: sequences in order, parallel branches together, flattens
 * over the entities their path reaches, and each fetch through the subgraph's data source (the
 * seam where balancing, dedup, retries and telemetry live). Answers merge into one data tree;
 * a failed fetch becomes errors and leaves the rest of the plan running, as in `@apollo/gateway`.
 *
 * Identical representations in one entity fetch are sent once and their answer merged into
 * every entity that asked for it (the deep benchmark query repeats the same product many times).
 */
import type { GraphQLDataSource } from "@apollo/gateway";
import { SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { GatewayGraphQLRequestContext } from "@apollo/server-gateway-interface";
import type { GraphQLError, GraphQLFormattedError } from "graphql";
import { GraphQLDataSourceRequestKind } from "../private-apis/data-source-kind.ts";
import type { RequestContext } from "../server/context.ts";
import type { ExecutorFetchOptions } from "../subgraph/data-source.ts";
import type { CompiledFetch, CompiledNode } from "./compiled-plan.ts";
import { deepMerge } from "./merge.ts";
import { hasOwn, ownValue } from "./own.ts";
import { downstreamError, errorPathTranslator, type ResponsePath } from "./subgraph-errors.ts";
import { runBatchFetch } from "./batch-fetch.ts";
import { byKey, byWriting } from "./entity-representations.ts";
import type { EntityLists } from "./entity-lists.ts";
import { flatten } from "./flatten-path.ts";
import type { SharedObjects } from "./shared-objects.ts";
import { entitiesAt, mergeEntities, ownAnswer } from "./merge-entities.ts";
import { isSharedAnswer } from "../subgraph/shared-answers.ts";

/** Per request: what the plan's fetches need, and the errors they produced. */
export interface PlanRun {
  readonly service: (name: string) => GraphQLDataSource | undefined;
  readonly context: RequestContext;
  /** What data sources read of the client's request (its operation's kind). */
  readonly incoming: GatewayGraphQLRequestContext;
  readonly variables: Record<string, unknown>;
  /** Defaults of the operation's variables (Condition nodes read them when a value is missing). */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly errors: Array<GraphQLError | Error>;
  readonly tracer: Tracer | undefined;
  /** The lists flatten paths reached in this request's data (one per gathered tree: deferred parts share it). */
  readonly entityLists: EntityLists;
  /** The objects of this request's data that other requests hold too (one per gathered tree, as `entityLists`). */
  readonly shared: SharedObjects;
}

interface Cursor {
  readonly path: ResponsePath;
  readonly data: Record<string, unknown> | Array<Record<string, unknown>>;
  readonly full: Record<string, unknown>;
}

export async function runPlan(root: CompiledNode, data: Record<string, unknown>, run: PlanRun): Promise<void> {
  await runNode(root, { path: [], data, full: data }, run);
}

async function runNode(node: CompiledNode, cursor: Cursor | undefined, run: PlanRun): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case "Sequence":
      for (const child of node.nodes) await runNode(child, cursor, run);
      return;
    case "Parallel":
      await Promise.all(node.nodes.map((child) => runNode(child, cursor, run)));
      return;
    case "Flatten":
      return runNode(node.node, moveInto(cursor, node.path, run.entityLists, run.shared), run);
    case "Fetch":
      try {
        await (run.tracer ? tracedFetch(run.tracer, node.fetch, cursor, run) : runFetch(node.fetch, cursor, run));
      } catch (e) {
        run.errors.push(e as Error);
      }
      return;
    case "Condition": {
      const branch = conditionBranch(node, run);
      if (branch) await runNode(branch, cursor, run);
      return;
    }
    case "BatchFetch":
      try {
        await (run.tracer ? inFetchSpan(run.tracer, node.serviceName, () => runBatchFetch(node, cursor, run)) : runBatchFetch(node, cursor, run));
      } catch (e) {
        run.errors.push(e as Error);
      }
      return;
    case "Defer":
      throw new Error("a Defer node runs through runDeferred, at the top of a plan");
  }
}

/** The branch of a Condition node the request's variables pick. */
export function conditionBranch(node: Extract<CompiledNode, { kind: "Condition" }>, run: Pick<PlanRun, "variables" | "defaults">): CompiledNode | undefined {
  let value = ownValue(run.variables, node.variable);
  if (value === undefined) value = run.defaults[node.variable];
  if (typeof value !== "boolean") throw new Error(`Invalid non-boolean value ${String(value)} for Boolean! variable $${node.variable}`);
  return value ? node.ifClause : node.elseClause;
}

function moveInto(cursor: Cursor, path: ResponsePath, lists: EntityLists, objects: SharedObjects): Cursor | undefined {
  // From the root (every flatten of Apollo's plans), the path is the plan's own array: entity-lists.ts keys on it.
  if (cursor.path.length === 0) {
    const data = lists.reach(cursor.data, path, objects);
    return data ? { path, data: data as Cursor["data"], full: cursor.full } : undefined;
  }
  const data = flatten(cursor.data, path, 0, objects);
  return data ? { path: [...cursor.path, ...path], data: data as Cursor["data"], full: cursor.full } : undefined;
}

function tracedFetch(tracer: Tracer, fetch: CompiledFetch, cursor: Cursor, run: PlanRun): Promise<void> {
  return inFetchSpan(tracer, fetch.serviceName, () => runFetch(fetch, cursor, run));
}

/** A `gateway.fetch` span around one subgraph request (the name @apollo/gateway's spans had). */
function inFetchSpan(tracer: Tracer, serviceName: string, fetch: () => Promise<void>): Promise<void> {
  return tracer.startActiveSpan("gateway.fetch", { attributes: { service: serviceName } }, async (span) => {
    try {
      await fetch();
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw e;
    } finally {
      span.end();
    }
  });
}

async function runFetch(fetch: CompiledFetch, cursor: Cursor, run: PlanRun): Promise<void> {
  const service = run.service(fetch.serviceName);
  if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  const entities = entitiesAt(cursor.data, run.shared);
  if (entities.length < 1) return;

  const variables: Record<string, unknown> = {};
  for (const name of fetch.variableUsages) {
    if (hasOwn(run.variables, name) && run.variables[name] !== undefined) variables[name] = run.variables[name];
  }

  if (!fetch.representation) {
    let { data, shared } = await send(service, fetch, variables, cursor, run, undefined);
    if (data && fetch.outputRewrite) {
      data = ownAnswer(data, shared);
      shared = false;
      fetch.outputRewrite(data);
    }
    run.entityLists.merged(cursor.path);
    for (const entity of entities) deepMerge(entity, data, run.shared, shared);
    return;
  }

  // Each entity's representation; identical ones are sent once (`sent[slot[i]]` answers the i-th).
  const gathered = fetch.representationKey ? byKey(fetch.representationKey, fetch.representation, entities) : byWriting(fetch, entities);
  if (gathered.owners.length < 1) return;
  if (hasOwn(variables, "representations")) throw new Error(`Variables cannot contain key "representations"`);
  const { owners, sent, slot } = gathered;
  const { data, shared } = await send(service, fetch, { ...variables, representations: sent }, cursor, run, slot, owners);
  if (!data) return;
  const received = data._entities;
  if (!Array.isArray(received)) throw new Error(`Expected "data._entities" in response to be an array`);
  if (received.length !== sent.length) throw new Error(`Expected "data._entities" to contain ${owners.length} elements`);
  run.entityLists.merged(cursor.path);
  mergeEntities(entities, owners, slot, received, fetch.outputRewrite, shared, run.shared);
}

async function send(
  service: GraphQLDataSource,
  fetch: CompiledFetch,
  variables: Record<string, unknown>,
  cursor: Cursor,
  run: PlanRun,
  slot: number[] | undefined,
  owners?: readonly number[],
): Promise<{ data: Record<string, unknown> | null | undefined; shared: boolean }> {
  const response = await service.process({
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query: fetch.operation, variables, operationName: fetch.operationName },
    incomingRequestContext: run.incoming,
    context: run.context,
    document: fetch.document,
    pathInIncomingRequest: cursor.path as Array<string | number>,
    acceptsSharedAnswer: true,
  } as Parameters<GraphQLDataSource["process"]>[0] & ExecutorFetchOptions);
  if (response.errors) {
    const translate = errorPathTranslator(owners, cursor.path, cursor.full);
    for (const error of response.errors) {
      for (const path of originalPaths(error as GraphQLFormattedError, slot)) run.errors.push(downstreamError(error as GraphQLFormattedError, fetch.serviceName, translate(path)));
    }
  }
  return { data: response.data as Record<string, unknown> | null | undefined, shared: isSharedAnswer(response) };
}

/**
 * An error's path in the numbering of every representation (what `@apollo/gateway` would have
 * sent): an error about a representation sent once for several entities is reported for each.
 */
function originalPaths(error: GraphQLFormattedError, slot: number[] | undefined): Array<ResponsePath | undefined> {
  const path = error.path;
  if (!slot || !path || path[0] !== "_entities" || typeof path[1] !== "number") return [path];
  const paths: ResponsePath[] = [];
  for (let i = 0; i < slot.length; i++) if (slot[i] === path[1]) paths.push(["_entities", i, ...path.slice(2)]);
  return paths;
}
