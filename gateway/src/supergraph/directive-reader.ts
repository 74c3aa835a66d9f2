/**
 * Reads directive applications from the ORIGINAL supergraph SDL, by type, field, argument and
 * input field. `@apollo/gateway`'s API schema keeps none of the demand-control or auth
 * directives, so every policy that needs them (cost, authorization) reads them here.
 *
 * Names are resolved through the supergraph's `@link`s, as the link spec says: a directive
 * imported by name (or renamed with `as`) keeps that name; the directive named like its
 * feature (`@cost` of `.../cost/v0.1`) is `@<prefix>`; any other is `@<prefix>__<name>`, where
 * the prefix is the link's `as` or the feature name. Results are keyed by the spec's own
 * directive name, so callers never see the renaming.
 */
import { Kind, parse, valueFromASTUntyped, type ConstDirectiveNode, type DocumentNode } from "graphql";

/** One feature to read: its identity URL without the version (`https://specs.apollo.dev/cost`) and the spec directive names wanted. */
export interface FeatureRequest {
  readonly url: string;
  readonly directives: readonly string[];
}

/** A directive as applied in the SDL, named by its spec name, with its arguments as plain values. */
export interface DirectiveApplication {
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
}

const none: readonly DirectiveApplication[] = Object.freeze([]);

/** Applications by schema coordinate: `Type`, `Type.field`, `Type.field(arg:)`, `Input.field`. */
export class DirectiveIndex {
  constructor(private readonly byCoordinate: ReadonlyMap<string, readonly DirectiveApplication[]>) {}

  onType(type: string): readonly DirectiveApplication[] {
    return this.byCoordinate.get(type) ?? none;
  }

  onField(type: string, field: string): readonly DirectiveApplication[] {
    return this.byCoordinate.get(`${type}.${field}`) ?? none;
  }

  onArgument(type: string, field: string, argument: string): readonly DirectiveApplication[] {
    return this.byCoordinate.get(`${type}.${field}(${argument}:)`) ?? none;
  }

  /** The first application of a spec directive at a coordinate, if any. */
  find(coordinate: string, name: string): DirectiveApplication | undefined {
    return this.byCoordinate.get(coordinate)?.find((d) => d.name === name);
  }

  /** Every coordinate that carries at least one of the requested directives. */
  coordinates(): IterableIterator<string> {
    return this.byCoordinate.keys();
  }
}

/** Strips a trailing `/vX.Y` from a link URL, leaving the feature's identity. */
export function featureIdentity(url: string): string {
  return url.replace(/\/v\d+\.\d+\/?$/, "");
}

/** Builds the index for the requested features; features the supergraph does not link yield nothing. */
export function readDirectiveApplications(supergraph: string | DocumentNode, features: readonly FeatureRequest[]): DirectiveIndex {
  const doc = typeof supergraph === "string" ? parse(supergraph, { noLocation: true }) : supergraph;
  const localToSpec = resolveLocalNames(doc, features);
  const byCoordinate = new Map<string, DirectiveApplication[]>();
  const record = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    for (const node of directives ?? []) {
      const spec = localToSpec.get(node.name.value);
      if (spec === undefined) continue;
      const args: Record<string, unknown> = {};
      for (const arg of node.arguments ?? []) args[arg.name.value] = valueFromASTUntyped(arg.value);
      const list = byCoordinate.get(coordinate) ?? [];
      list.push({ name: spec, args });
      byCoordinate.set(coordinate, list);
    }
  };

  for (const def of doc.definitions) {
    switch (def.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        record(def.name.value, def.directives);
        for (const field of def.fields ?? []) {
          const coordinate = `${def.name.value}.${field.name.value}`;
          record(coordinate, field.directives);
          for (const arg of field.arguments ?? []) record(`${coordinate}(${arg.name.value}:)`, arg.directives);
        }
        break;
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        record(def.name.value, def.directives);
        for (const field of def.fields ?? []) record(`${def.name.value}.${field.name.value}`, field.directives);
        break;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_EXTENSION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.UNION_TYPE_EXTENSION:
        record(def.name.value, def.directives);
        break;
      default:
        break;
    }
  }
  return new DirectiveIndex(byCoordinate);
}

/** Maps each local directive name in the SDL to the spec name it stands for. */
function resolveLocalNames(doc: DocumentNode, features: readonly FeatureRequest[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const link of linksOf(doc)) {
    const feature = features.find((f) => featureIdentity(f.url) === featureIdentity(link.url));
    if (!feature) continue;
    const featureName = featureIdentity(link.url).split("/").pop() ?? "";
    const prefix = link.as ?? featureName;
    for (const spec of feature.directives) {
      const imported = link.imports.get(`@${spec}`);
      const local = imported ?? (spec === featureName ? prefix : `${prefix}__${spec}`);
      out.set(local.replace(/^@/, ""), spec);
    }
  }
  return out;
}

interface Link {
  url: string;
  as: string | undefined;
  /** `@name` → the local `@name` it is imported as. */
  imports: Map<string, string>;
}

function linksOf(doc: DocumentNode): Link[] {
  const links: Link[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of def.directives ?? []) {
      if (directive.name.value !== "link") continue;
      const args: Record<string, unknown> = {};
      for (const arg of directive.arguments ?? []) args[arg.name.value] = valueFromASTUntyped(arg.value);
      if (typeof args.url !== "string") continue;
      const imports = new Map<string, string>();
      for (const entry of Array.isArray(args.import) ? args.import : []) {
        if (typeof entry === "string") imports.set(entry, entry);
        else if (entry && typeof entry === "object" && typeof (entry as { name?: unknown }).name === "string") {
          const { name, as } = entry as { name: string; as?: unknown };
          imports.set(name, typeof as === "string" ? as : name);
        }
      }
      links.push({ url: args.url, as: typeof args.as === "string" ? args.as : undefined, imports });
    }
  }
  return links;
}
