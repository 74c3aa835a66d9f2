/**
 * Hive's batched entity fetch: several entity lists in one request. See runBatchFetch.
 */
import type { GraphQLDataSource } from "@apollo/gateway";
import type { GraphQLFormattedError } from "graphql";
import { GraphQLDataSourceRequestKind } from "../private-apis/data-source-kind.ts";
import type { CompiledNode } from "./compiled-plan.ts";
import { byKey, byWriting } from "./entity-representations.ts";
import { flatten } from "./flatten-path.ts";
import { hasOwn } from "./own.ts";
import { entitiesAt, mergeEntities } from "./merge-entities.ts";
import type { PlanRun } from "./run-plan.ts";
import { isSharedAnswer } from "../subgraph/shared-answers.ts";
import type { ExecutorFetchOptions } from "../subgraph/data-source.ts";
import { concretePaths, downstreamError } from "./subgraph-errors.ts";

/**
 * A fetch of several entity lists at once (Hive's planner): one `_entities` alias per list, each
 * gathered from its own paths, one request. Answers merge as an entity fetch's do; an error at
 * `[alias, i, ...]` is reported at the i-th representation's entity.
 */
export async function runBatchFetch(node: Extract<CompiledNode, { kind: "BatchFetch" }>, cursor: { readonly data: unknown }, run: PlanRun): Promise<void> {
  const service = run.service(node.serviceName);
  if (!service) throw new Error(`Couldn't find service with name "${node.serviceName}"`);
  const variables: Record<string, unknown> = {};
  for (const name of node.variableUsages) {
    if (hasOwn(run.variables, name) && run.variables[name] !== undefined) variables[name] = run.variables[name];
  }
  const groups = node.batches.map((batch) => {
    const entities: unknown[] = [];
    for (const path of batch.paths) {
      const found = flatten(cursor.data, path, 0, run.shared);
      if (Array.isArray(found)) for (const e of entitiesAt(found, run.shared)) entities.push(e);
      else if (found !== null && found !== undefined) entities.push(found);
    }
    const reps = batch.fetch.representationKey ? byKey(batch.fetch.representationKey, batch.fetch.representation!, entities) : byWriting(batch.fetch, entities);
    variables[batch.variable] = reps.sent;
    return { batch, entities, reps };
  });
  if (groups.every((g) => g.reps.owners.length === 0)) return;
  const response = await service.process({
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query: node.operation, variables, operationName: node.operationName },
    incomingRequestContext: run.incoming,
    context: run.context,
    document: undefined,
    pathInIncomingRequest: [],
    acceptsSharedAnswer: true,
  } as unknown as Parameters<GraphQLDataSource["process"]>[0] & ExecutorFetchOptions);
  if (response.errors) {
    for (const error of response.errors as GraphQLFormattedError[]) {
      const path = error.path;
      const group = typeof path?.[0] === "string" ? groups.find((g) => g.batch.alias === path[0]) : undefined;
      if (!group || typeof path?.[1] !== "number") {
        run.errors.push(downstreamError(error, node.serviceName, path ? [...path] : undefined));
        continue;
      }
      const where = concretePaths(group.batch.paths, cursor.data);
      const { owners, slot } = group.reps;
      for (let i = 0; i < owners.length; i++) {
        if ((slot ? slot[i] : i) === path[1]) run.errors.push(downstreamError(error, node.serviceName, [...(where[owners[i]!] ?? []), ...path.slice(2)]));
      }
    }
  }
  const data = response.data as Record<string, unknown> | null | undefined;
  if (!data) return;
  run.entityLists.clear();
  for (const { batch, entities, reps } of groups) {
    if (reps.owners.length === 0) continue;
    const received = data[batch.alias];
    if (!Array.isArray(received)) throw new Error(`Expected "data.${batch.alias}" in response to be an array`);
    if (received.length !== reps.sent.length) throw new Error(`Expected "data.${batch.alias}" to contain ${reps.sent.length} elements`);
    mergeEntities(entities, reps.owners, reps.slot, received, batch.fetch.outputRewrite, isSharedAnswer(response), run.shared);
  }
}
