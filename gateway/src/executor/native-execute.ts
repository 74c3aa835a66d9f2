/**
 * Our query-plan executor: the execution stage for queries and mutations. The operation's
 * prepared form (plan, compiled plan, response shape) comes from the cache; the plan runs
 * through the subgraph data sources, and the gathered data is shaped to the client's selection.
 * Results equal `@apollo/gateway`'s executor's for the same plan and subgraph answers (the
 * differential test, test/unit/executor/differential.test.ts); what it does not run (plans with
 * `@defer` or `@fromContext` rewrites, `__schema`/`__type` mixed with federated fields) it hands
 * to `@apollo/gateway`'s executor, `fallback`.
 */
import { EntityLists } from "./entity-lists.ts";
import { SharedObjects } from "./shared-objects.ts";
import type { GraphQLDataSource } from "@apollo/gateway";
import { SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { GatewayGraphQLRequestContext } from "@apollo/server-gateway-interface";
import { GraphQLError } from "graphql";
import type { Execute, ExecutionInput, ExecutionOutput } from "../execution/gateway-executor.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import { PreparedOperations, type PlannerName, type PreparedOperation } from "./prepared-operations.ts";
import { conditionBranch, runPlan, type PlanRun } from "./run-plan.ts";
import { runDeferred } from "./run-deferred.ts";
import { shapeResponse } from "./shape-response.ts";

export interface NativeExecuteOptions {
  /** The data source of a subgraph of this supergraph (the registry's). */
  readonly service: (snapshot: SupergraphSnapshot, name: string) => GraphQLDataSource | undefined;
  /** `@apollo/gateway`'s executor, for what this one does not run. */
  readonly fallback: Execute;
  readonly tracer: Tracer | undefined;
  /** Prepared-operation cache lookups (the query-plan cache metric). */
  readonly onLookup?: (hit: boolean) => void;
  /** Operations handed to the fallback, by reason. */
  readonly onFallback?: (reason: string) => void;
  /** Most prepared operations kept; default 2,000. */
  readonly maxPrepared?: number;
  /** Which planner plans (`operations.planner`); default apollo. */
  readonly planner?: PlannerName;
  /** Which planner planned each operation prepared (tests, debugging). */
  readonly onPrepared?: (plannedBy: PlannerName) => void;
}

export function createNativeExecute(options: NativeExecuteOptions): Execute {
  const cache = new PreparedOperations(options.maxPrepared ?? 2000, options.planner ?? "apollo");
  const tracer = options.tracer;
  return (input) => {
    if (!tracer) return execute(input, undefined);
    const name = input.operation.name?.value;
    return tracer.startActiveSpan(
      "gateway.request",
      { attributes: name ? { "graphql.operation.name": name, "graphql.operationName": name, "graphql.operation.type": input.operation.operation } : { "graphql.operation.type": input.operation.operation } },
      async (span) => {
        try {
          const result = await execute(input, tracer);
          if (result.errors) span.setStatus({ code: SpanStatusCode.ERROR });
          return result;
        } finally {
          span.end();
        }
      },
    );
  };

  async function execute(input: ExecutionInput, tracer: Tracer | undefined): Promise<ExecutionOutput> {
    let lookup;
    try {
      lookup = cache.get(input.snapshot, input.queryHash, input.operationName, input.document, tracer ? (run) => inSyncSpan(tracer, "gateway.plan", run) : (run) => run(), input.incremental === true);
    } catch {
      // Planning failed: @apollo/gateway's executor reports it the way it always has.
      options.onFallback?.("planning error");
      return options.fallback(input);
    }
    options.onLookup?.(lookup.hit);
    const prepared = lookup.prepared;
    if (!lookup.hit && prepared.kind === "native") options.onPrepared?.(prepared.plannedBy);
    if (prepared.kind === "fallback") {
      options.onFallback?.(prepared.reason);
      return options.fallback(input);
    }
    return tracer ? tracer.startActiveSpan("gateway.execute", async (span) => {
      try {
        const result = await run(prepared, input, tracer);
        if (result.errors) span.setStatus({ code: SpanStatusCode.ERROR });
        return result;
      } finally {
        span.end();
      }
    }) : run(prepared, input, undefined);
  }

  async function run(prepared: Extract<PreparedOperation, { kind: "native" }>, input: ExecutionInput, tracer: Tracer | undefined): Promise<ExecutionOutput> {
    const snapshot = input.snapshot;
    const planRun: PlanRun = {
      service: (name) => options.service(snapshot, name),
      context: input.context,
      // Our data source reads the client operation's kind from here (a mutation's fetches are never shared).
      incoming: { operation: input.operation } as unknown as GatewayGraphQLRequestContext,
      variables: input.variables,
      defaults: prepared.shape.defaults,
      errors: [],
      tracer,
      entityLists: new EntityLists(),
      shared: new SharedObjects(),
    };
    const gathered: Record<string, unknown> = {};
    const shapes = snapshot.shapeSchema();
    let top = prepared.root;
    while (top?.kind === "Condition") top = conditionBranch(top, planRun);
    if (top?.kind === "Defer") {
      const deferred = await runDeferred(top.defer, prepared.shape.root, gathered, planRun, shapes);
      return {
        data: deferred.data,
        ...(deferred.errors.length > 0 ? { errors: deferred.errors } : {}),
        ...(deferred.valueCompletion.length > 0 ? { extensions: { valueCompletion: deferred.valueCompletion } } : {}),
        subsequent: deferred.subsequent,
      } as ExecutionOutput;
    }
    if (top) await runPlan(top, gathered, planRun);
    const post = () => {
      try {
        const shaped = shapeResponse(prepared.shape, shapes, gathered, input.variables);
        // As @apollo/gateway: shaping errors after fetch errors are consequences of them and are dropped;
        // without fetch errors they go to extensions.valueCompletion, not to errors.
        if (planRun.errors.length === 0 && shaped.errors.length > 0) return { data: shaped.data, extensions: { valueCompletion: shaped.errors } };
        return planRun.errors.length === 0 ? { data: shaped.data } : { errors: planRun.errors, data: shaped.data };
      } catch (e) {
        if (e instanceof GraphQLError) return { errors: [e] };
        if (e instanceof Error) return { errors: [new GraphQLError(e.message, { originalError: e })] };
        return { errors: [new GraphQLError("Unexpected error during query plan execution")] };
      }
    };
    return (tracer ? inSyncSpan(tracer, "gateway.postprocessing", post) : post()) as ExecutionOutput;
  }
}

function inSyncSpan<T>(tracer: Tracer, name: string, run: () => T): T {
  const span = tracer.startSpan(name);
  try {
    return run();
  } finally {
    span.end();
  }
}
