/**
 * Incremental delivery of a plan with `@defer`: the primary part runs and its selection is the
 * first payload; then every deferred part runs (in parallel, each once what it depends on is in:
 * the primary part, or the part it is nested in) and each becomes one subsequent payload, an
 * `incremental` item per object at its path (a list along the path gives one item per element).
 * Payloads follow the format Apollo Client, Relay and urql read (`hasNext`, `incremental`
 * items with `data`, `path`, `label`, `errors`); the last one says `hasNext: false`.
 */
import { isSubtype } from "@apollo/federation-internals";
import type { GraphQLError } from "graphql";
import type { DeferShape, DeferredPart } from "./defer-plan.ts";
import type { RuntimeType, ShapeSchema } from "./response-shape.ts";
import { runPlan, type PlanRun } from "./run-plan.ts";
import { shapeObject } from "./shape-response.ts";

export interface IncrementalItem {
  readonly data: Record<string, unknown> | null;
  readonly path: ReadonlyArray<string | number>;
  readonly label?: string;
  readonly errors?: ReadonlyArray<GraphQLError | Error>;
}

export interface SubsequentPayload {
  readonly incremental?: readonly IncrementalItem[];
  readonly hasNext: boolean;
}

export interface DeferredRun {
  /** The first payload's data and fetch errors (the primary part). */
  readonly data: Record<string, unknown> | null;
  readonly errors: ReadonlyArray<GraphQLError | Error>;
  /** Shaping errors of the first payload, when no fetch failed (they go to `extensions.valueCompletion`). */
  readonly valueCompletion: readonly GraphQLError[];
  readonly subsequent: AsyncIterable<SubsequentPayload>;
}

export async function runDeferred(defer: DeferShape, root: RuntimeType, gathered: Record<string, unknown>, run: PlanRun, shapes: ShapeSchema): Promise<DeferredRun> {
  if (defer.primaryNode) await runPlan(defer.primaryNode, gathered, run);
  const variables = run.variables;
  const primary = defer.primaryEntries ? shapeObject(defer.primaryEntries, shapes, gathered, root, [], variables) : { data: {}, errors: [] };
  const errors = [...run.errors];
  const queue = new PayloadQueue();
  const parts = (shape: DeferShape): Promise<void> => Promise.all(shape.deferred.map((part) => runPart(part))).then(() => undefined);
  const runPart = async (part: DeferredPart): Promise<void> => {
    const own: PlanRun = { ...run, errors: [] };
    const node = part.nested ? part.nested.primaryNode : part.node;
    if (node) await runPlan(node, gathered, own);
    if (part.entries) queue.push(items(part, gathered, own.errors, shapes, variables));
    if (part.nested) await parts(part.nested);
  };
  void parts(defer)
    .catch((e: unknown) => queue.push([{ data: null, path: [], errors: [e instanceof Error ? e : new Error(String(e))] }]))
    .finally(() => queue.end());
  // As for a whole response: shaping errors after fetch errors are their consequences, and dropped.
  return { data: primary.data ?? null, errors, valueCompletion: errors.length > 0 ? [] : primary.errors, subsequent: queue };
}

/** One item per object the part's path reaches; the part's fetch errors go with the first. */
function items(part: DeferredPart, gathered: Record<string, unknown>, fetchErrors: ReadonlyArray<GraphQLError | Error>, shapes: ShapeSchema, variables: Record<string, unknown>): IncrementalItem[] {
  const out: IncrementalItem[] = [];
  const label = part.label !== undefined ? { label: part.label } : {};
  for (const { object, path } of objectsAt(part, gathered, shapes)) {
    const typename = object.__typename;
    const type = (typeof typename === "string" ? shapes.type(typename) : undefined) ?? part.type;
    const shaped = shapeObject(part.entries!, shapes, object, type, path, variables);
    const errors = out.length === 0 && fetchErrors.length > 0 ? fetchErrors : fetchErrors.length > 0 ? [] : shaped.errors;
    out.push({ data: shaped.data ?? null, path, ...label, ...(errors.length > 0 ? { errors } : {}) });
  }
  if (out.length === 0 && fetchErrors.length > 0) {
    out.push({ data: null, path: part.path.flatMap((s) => ("field" in s ? [s.field] : [])), ...label, errors: fetchErrors });
  }
  return out;
}

function* objectsAt(part: DeferredPart, gathered: Record<string, unknown>, shapes: ShapeSchema): Generator<{ object: Record<string, unknown>; path: Array<string | number> }> {
  function* walk(value: unknown, step: number, path: Array<string | number>): Generator<{ object: Record<string, unknown>; path: Array<string | number> }> {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) yield* walk(value[i], step, [...path, i]);
      return;
    }
    if (typeof value !== "object") return;
    const object = value as Record<string, unknown>;
    if (step === part.path.length) {
      yield { object, path };
      return;
    }
    const next = part.path[step]!;
    if ("field" in next) {
      yield* walk(Object.prototype.hasOwnProperty.call(object, next.field) ? object[next.field] : undefined, step + 1, [...path, next.field]);
    } else {
      const typename = object.__typename;
      // A type condition on the path: only objects of that type (or, without a __typename, all).
      if (typeof typename !== "string" || typename === next.type.name || possibleTypeOf(next.type, typename, shapes)) yield* walk(object, step + 1, path);
    }
  }
  yield* walk(gathered, 0, []);
}

function possibleTypeOf(condition: RuntimeType, typename: string, shapes: ShapeSchema): boolean {
  const type = shapes.type(typename);
  return type !== undefined && isSubtype(condition.type, type.type);
}

/** Payloads in the order parts finish; the iterator ends with `hasNext: false`. */
class PayloadQueue implements AsyncIterable<SubsequentPayload> {
  private readonly ready: IncrementalItem[][] = [];
  private done = false;
  private wake: (() => void) | undefined;

  push(items: IncrementalItem[]): void {
    if (items.length === 0) return;
    this.ready.push(items);
    this.wake?.();
  }

  end(): void {
    this.done = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubsequentPayload> {
    for (;;) {
      while (this.ready.length > 0) {
        const batch = this.ready.shift()!;
        // Everything already finished goes out in one payload.
        while (this.ready.length > 0) batch.push(...this.ready.shift()!);
        const last = this.done && this.ready.length === 0;
        yield { incremental: batch, hasNext: !last };
        if (last) return;
      }
      if (this.done) {
        yield { hasNext: false };
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
