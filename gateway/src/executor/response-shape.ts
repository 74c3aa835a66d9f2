/**
 * The client's operation compiled once per (plan, operation) into a response shape: per selection,
 * its response name, `@skip`/`@include` conditions, type wrappers, leaf check and sub-selections,
 * with every schema lookup done here instead of per response. `shape-response.ts` applies it.
 *
 * Compiled from `@apollo/federation-internals`' `Operation`, the structure `@apollo/gateway`'s
 * result shaping walks, so selections merge exactly as they do there (same response name and
 * directives: one selection), and named fragments are compiled once however often they are spread.
 */
import {
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  Variable,
  type CompositeType,
  type NamedType,
  type Operation,
  type OperationElement,
  type OutputType,
  type Schema,
  type SelectionSet,
} from "@apollo/federation-internals";
import { isInheritedName } from "./own.ts";

/** A named type of the API schema as the shaper sees it. */
export interface RuntimeType {
  readonly name: string;
  readonly isObject: boolean;
  readonly isComposite: boolean;
  readonly type: NamedType;
}

/** `@skip(if:)` / `@include(if:)`: a constant or a variable's name. */
export interface Conditions {
  readonly skip: boolean | string | undefined;
  readonly include: boolean | string | undefined;
}

export const enum EntryKind {
  Field,
  Typename,
  Fragment,
}

export type Entry =
  | {
      readonly kind: EntryKind.Field;
      readonly responseName: string;
      readonly inherited: boolean;
      readonly conditions: Conditions | undefined;
      readonly hasSelection: boolean;
      readonly shape: OutputShape;
    }
  | { readonly kind: EntryKind.Typename; readonly responseName: string; readonly inherited: boolean; readonly conditions: Conditions | undefined }
  | {
      readonly kind: EntryKind.Fragment;
      readonly conditions: Conditions | undefined;
      /** Undefined: no type condition (always applies). */
      readonly applies: ((typename: string | undefined, parent: RuntimeType) => boolean) | undefined;
      /** The parent type inside the fragment; undefined keeps the enclosing one. */
      readonly innerType: RuntimeType | undefined;
      readonly entries: readonly Entry[];
    };

export const enum ShapeKind {
  NonNull,
  List,
  Composite,
  Leaf,
}

export type OutputShape =
  | { readonly kind: ShapeKind.NonNull; readonly of: OutputShape; readonly ofText: string }
  | { readonly kind: ShapeKind.List; readonly of: OutputShape; readonly text: string }
  | { readonly kind: ShapeKind.Composite; readonly text: string; readonly type: RuntimeType; readonly entries: readonly Entry[] }
  | { readonly kind: ShapeKind.Leaf; readonly text: string; readonly valid: (value: unknown) => boolean };

export interface ResponseShape {
  readonly root: RuntimeType;
  readonly entries: readonly Entry[];
  /** Variables with a default value, applied under the provided ones (skip/include read them). */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly hasDefaults: boolean;
  /** A `__schema` or `__type` selection: answered by graphql-js, not shaped here. */
  readonly hasSchemaIntrospection: boolean;
}

/** The API schema's named types by name; built once per supergraph. */
export class ShapeSchema {
  private readonly types = new Map<string, RuntimeType>();

  constructor(readonly schema: Schema) {
    for (const type of schema.types()) this.types.set(type.name, runtimeType(type));
  }

  type(name: string): RuntimeType | undefined {
    return this.types.get(name);
  }

  named(type: NamedType): RuntimeType {
    return this.types.get(type.name) ?? runtimeType(type);
  }
}

function runtimeType(type: NamedType): RuntimeType {
  return { name: type.name, isObject: isObjectType(type), isComposite: isCompositeType(type), type };
}

export function compileResponseShape(shapeSchema: ShapeSchema, operation: Operation): ResponseShape {
  const schema = operation.schema();
  const rootType = schema.schemaDefinition.rootType(operation.rootKind);
  if (!rootType) throw new Error(`The schema has no "${operation.rootKind}" root type`);
  const compiler = new ShapeCompiler(shapeSchema, schema);
  const defaults = operation.collectDefaultedVariableValues();
  const entries = compiler.selectionSet(operation.selectionSet);
  return {
    root: shapeSchema.named(rootType),
    entries,
    defaults: { ...defaults },
    hasDefaults: Object.keys(defaults).length > 0,
    hasSchemaIntrospection: compiler.sawSchemaIntrospection,
  };
}

/** A selection set (a deferred fragment's, parsed from the plan) compiled on its own. */
export function compileSelection(shapeSchema: ShapeSchema, schema: Schema, set: SelectionSet): readonly Entry[] {
  return new ShapeCompiler(shapeSchema, schema).selectionSet(set);
}

class ShapeCompiler {
  private readonly compiled = new Map<SelectionSet, readonly Entry[]>();
  sawSchemaIntrospection = false;

  constructor(
    private readonly types: ShapeSchema,
    private readonly schema: Schema,
  ) {}

  selectionSet(set: SelectionSet): readonly Entry[] {
    const known = this.compiled.get(set);
    if (known) return known;
    const entries: Entry[] = [];
    // Registered before its selections are compiled, so a fragment spread twice is compiled once.
    this.compiled.set(set, entries);
    for (const selection of set.selections()) {
      const conditions = this.conditionsOf(selection.element);
      if (selection.kind === "FieldSelection") {
        const field = selection.element;
        const responseName = field.responseName();
        if (field.definition.isSchemaIntrospectionField()) {
          this.sawSchemaIntrospection = true;
          continue;
        }
        if (field.name === "__typename") {
          entries.push({ kind: EntryKind.Typename, responseName, inherited: isInheritedName(responseName), conditions });
          continue;
        }
        const sub = selection.selectionSet;
        entries.push({
          kind: EntryKind.Field,
          responseName,
          inherited: isInheritedName(responseName),
          conditions,
          hasSelection: sub !== undefined,
          shape: this.shape(field.definition.type!, sub),
        });
      } else {
        const condition = selection.element.typeCondition;
        entries.push({
          kind: EntryKind.Fragment,
          conditions,
          applies: condition ? this.appliesTest(condition) : undefined,
          innerType: condition ? this.types.named(condition) : undefined,
          entries: this.selectionSet(selection.selectionSet),
        });
      }
    }
    return entries;
  }

  private shape(type: OutputType, sub: SelectionSet | undefined): OutputShape {
    if (isNonNullType(type)) return { kind: ShapeKind.NonNull, of: this.shape(type.ofType, sub), ofText: String(type.ofType) };
    if (isListType(type)) return { kind: ShapeKind.List, of: this.shape(type.ofType, sub), text: String(type) };
    if (isCompositeType(type)) {
      if (!sub) throw new Error(`Invalid empty selection set for composite type ${type}`);
      return { kind: ShapeKind.Composite, text: type.name, type: this.types.named(type), entries: this.selectionSet(sub) };
    }
    return { kind: ShapeKind.Leaf, text: type.name, valid: leafCheck(this.schema, type as NamedType) };
  }

  /** Does a fragment on `condition` apply to an object of `typename` (or, without one, to the parent type)? */
  private appliesTest(condition: CompositeType): (typename: string | undefined, parent: RuntimeType) => boolean {
    const byName = new Map<string, boolean>();
    return (typename, parent) => {
      const name = typename || parent.name;
      let answer = byName.get(name);
      if (answer === undefined) {
        const type = typename ? this.schema.type(typename) : parent.type;
        answer = type !== undefined && isSubtype(condition, type);
        byName.set(name, answer);
      }
      return answer;
    };
  }

  private conditionsOf(element: OperationElement): Conditions | undefined {
    const skip = element.appliedDirectivesOf(this.schema.skipDirective())[0];
    const include = element.appliedDirectivesOf(this.schema.includeDirective())[0];
    if (!skip && !include) return undefined;
    const value = (arg: boolean | Variable | undefined) => (arg instanceof Variable ? arg.name : arg);
    return { skip: skip ? value(skip.arguments().if) : undefined, include: include ? value(include.arguments().if) : undefined };
  }
}

/** Whether a subgraph's value is valid for a leaf type, as `@apollo/federation-internals`' `isValidLeafValue` decides. */
function leafCheck(schema: Schema, type: NamedType): (value: unknown) => boolean {
  if (isCustomScalarType(type)) return () => true;
  if (isEnumType(type)) {
    const values = new Set(type.values.map((v) => v.name));
    return (value) => typeof value === "string" && values.has(value);
  }
  const isBoolean = type === schema.booleanType();
  const isInt = type === schema.intType();
  const isId = type === schema.idType();
  const isFloat = type === schema.floatType();
  return (value) => {
    if (typeof value === "boolean") return isBoolean;
    if (typeof value === "number" && Number.isFinite(value)) {
      // What `/^-?(?:0|[1-9][0-9]*)$/` accepts of String(value), without making the string: an integer below 1e21 (past it, String writes an exponent).
      if (isInt || isId) return Number.isInteger(value) && Math.abs(value) < 1e21;
      return isFloat;
    }
    if (typeof value === "string") return !isBoolean && !isInt && !isFloat;
    return false;
  };
}
