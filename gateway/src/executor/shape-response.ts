/**
 * Applies a compiled response shape to the data the plan gathered, in one pass: only what the
 * client selected, in its order and under its aliases, `__typename` filled in, fragments applied by
 * runtime type, leaves checked, nulls bubbled to the nearest nullable position. The errors are
 * `@apollo/gateway`'s result shaping's, word for word (the differential test compares them).
 */
import { ERRORS } from "@apollo/federation-internals";
import type { GraphQLError } from "graphql";
import { ownValue, setOwn } from "./own.ts";
import { EntryKind, ShapeKind, type Conditions, type Entry, type OutputShape, type ResponseShape, type RuntimeType, type ShapeSchema } from "./response-shape.ts";

export interface ShapedResponse {
  readonly data: Record<string, unknown> | null | undefined;
  readonly errors: GraphQLError[];
}

/** One shaping run's state: the flags a nested call reports to its caller live here, not in a global. */
class ShapeRun {
  readonly errors: GraphQLError[] = [];
  readonly path: Array<string | number> = [];
  /** Set by `update`: the value is a null at a non-null position (bubble up). */
  invalid = false;
  /** Set by `update`: an error was already recorded for this value. */
  hasErrors = false;

  constructor(
    readonly types: ShapeSchema,
    readonly variables: Record<string, unknown>,
  ) {}
}

export function shapeResponse(shape: ResponseShape, types: ShapeSchema, input: Record<string, unknown> | null | undefined, variables: Record<string, unknown> | undefined): ShapedResponse {
  if (!input) return { data: input, errors: [] };
  const run = new ShapeRun(types, shape.hasDefaults ? { ...shape.defaults, ...variables } : (variables ?? {}));
  const data: Record<string, unknown> = {};
  const ok = applySet(input, shape.entries, data, run, shape.root);
  return { data: ok ? data : null, errors: run.errors };
}

/**
 * One deferred fragment's data: `entries` applied to the object at `path` (an incremental
 * delivery item), with error paths starting at `path`.
 */
export function shapeObject(
  entries: ResponseShape["entries"],
  types: ShapeSchema,
  input: Record<string, unknown>,
  parentType: RuntimeType,
  path: ReadonlyArray<string | number>,
  variables: Record<string, unknown>,
): ShapedResponse {
  const run = new ShapeRun(types, variables);
  run.path.push(...path);
  const data: Record<string, unknown> = {};
  const ok = applySet(input, entries, data, run, parentType);
  return { data: ok ? data : null, errors: run.errors };
}

function skipped(conditions: Conditions, variables: Record<string, unknown>): boolean {
  return (conditions.skip !== undefined && ifValue(conditions.skip, variables, "skip")) || (conditions.include !== undefined && !ifValue(conditions.include, variables, "include"));
}

function ifValue(arg: boolean | string, variables: Record<string, unknown>, directive: string): boolean {
  if (typeof arg === "boolean") return arg;
  const value = variables[arg];
  if (typeof value !== "boolean") throw new Error(`Unexpected value ${String(value)} for variable $${arg} of @${directive}(if: $${arg})`);
  return value;
}

/** False when a null must bubble up past this object. */
function applySet(input: Record<string, unknown>, entries: readonly Entry[], output: Record<string, unknown>, run: ShapeRun, parentType: RuntimeType): boolean {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.conditions !== undefined && skipped(entry.conditions, run.variables)) continue;
    if (entry.kind === EntryKind.Fragment) {
      const typename = input.__typename;
      if (typename && typeof typename !== "string") throw new Error(`Got unexpected value for __typename: ${String(typename)}`);
      if (entry.applies === undefined || entry.applies(typename as string | undefined, parentType)) {
        if (!applySet(input, entry.entries, output, run, entry.innerType ?? parentType)) return false;
      }
      continue;
    }
    const name = entry.responseName;
    const outputValue = entry.inherited ? ownValue(output, name) : output[name];
    let inputValue = (entry.inherited ? ownValue(input, name) : input[name]) ?? null;
    if (entry.kind === EntryKind.Typename) {
      // Root types' __typename is never asked of subgraphs, and an @interfaceObject subgraph answers
      // with the interface's name: the runtime type decides, or the parent type; not an object type: null.
      if (outputValue === undefined) {
        if (inputValue === null && name !== "__typename") inputValue = input.__typename ?? null;
        const type = typeof inputValue === "string" ? (run.types.type(inputValue) ?? parentType) : parentType;
        if (!type.isObject) return false;
        setOwn(output, name, type.name);
      }
      continue;
    }
    run.path.push(name);
    const updated = update(outputValue, entry.shape, entry.hasSelection, inputValue, run, parentType);
    if (entry.inherited) setOwn(output, name, updated);
    else output[name] = updated;
    run.path.pop();
    if (run.invalid) return false;
  }
  return true;
}

function describe(path: ReadonlyArray<string | number>, typeText: string, parentType: RuntimeType): string {
  const element = path[path.length - 1];
  return typeof element === "string" ? `field ${parentType.name}.${element}` : `array element of type ${typeText} at index ${element}`;
}

/**
 * The output value for `input` at one position, given what earlier selections of the same response
 * name already put there (`outputValue`). Reports through `run.invalid` / `run.hasErrors`.
 */
function update(outputValue: unknown, shape: OutputShape, hasSelection: boolean, input: unknown, run: ShapeRun, parentType: RuntimeType): unknown {
  run.invalid = false;
  run.hasErrors = false;
  if (outputValue === null || (outputValue !== undefined && !hasSelection)) return outputValue;

  switch (shape.kind) {
    case ShapeKind.NonNull: {
      const updated = update(outputValue, shape.of, hasSelection, input, run, parentType);
      if (updated === null) {
        if (!run.hasErrors) {
          run.errors.push(ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describe(run.path, shape.ofText, parentType)}.`, { path: run.path.slice() }));
        }
        run.invalid = true;
        run.hasErrors = true;
        return null;
      }
      run.invalid = false;
      run.hasErrors = false;
      return updated;
    }
    case ShapeKind.List: {
      if (input === null) return null;
      if (!Array.isArray(input)) throw new Error(`Invalid non-list value ${String(input)} returned by subgraph for list type ${shape.text}`);
      if (outputValue !== undefined && !Array.isArray(outputValue)) throw new Error(`Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${shape.text}`);
      const previous = outputValue as unknown[] | undefined;
      if (previous !== undefined && previous.length !== input.length) {
        throw new Error(`[${String(input)}].length (${input.length}) !== [${String(previous)}].length (${previous.length})`);
      }
      const updated = new Array<unknown>(input.length);
      let nullify = false;
      let hasErrors = false;
      for (let i = 0; i < input.length; i++) {
        run.path.push(i);
        updated[i] = update(previous?.[i], shape.of, hasSelection, input[i], run, parentType);
        run.path.pop();
        nullify ||= run.invalid;
        hasErrors ||= run.hasErrors;
      }
      run.invalid = false;
      run.hasErrors = hasErrors;
      return nullify ? null : updated;
    }
    case ShapeKind.Composite: {
      if (input === null) return null;
      if (typeof input !== "object") throw new Error(`Invalid non-object value ${String(input)} returned by subgraph for composite type ${shape.text}`);
      if (outputValue !== undefined && typeof outputValue !== "object") throw new Error(`Invalid non-object value ${String(input)} returned by subgraph for composite type ${shape.text}`);
      const object = input as Record<string, unknown>;
      const typename = object.__typename;
      if (typename !== undefined && typeof typename !== "string") throw new Error(`Invalid non-string value ${String(typename)} for __typename at ${String(run.path)}`);
      let objectType = shape.type;
      if (typename) {
        const known = run.types.type(typename);
        // Not in the API schema (an @inaccessible type): null, and the message does not name it.
        if (!known || !known.isComposite) {
          run.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describe(run.path, shape.text, parentType)}.`, { path: run.path.slice() }));
          run.hasErrors = true;
          return null;
        }
        objectType = known;
      }
      const out = (outputValue as Record<string, unknown> | undefined) ?? {};
      const ok = applySet(object, shape.entries, out, run, objectType);
      run.invalid = false;
      run.hasErrors = !ok;
      return ok ? out : null;
    }
    case ShapeKind.Leaf: {
      if (input === null) return null;
      if (outputValue !== undefined) throw new Error(`Excepted output to be undefined but got ${shape.text} for type ${shape.text}`);
      if (shape.valid(input)) return input;
      run.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(run.path, shape.text, parentType)}.`, { path: run.path.slice() }));
      run.hasErrors = true;
      return null;
    }
  }
}
