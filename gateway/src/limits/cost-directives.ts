/**
 * The demand-control directives of a supergraph (`@cost`, `@listSize` from
 * `https://specs.apollo.dev/cost`), read from its original SDL and turned into typed lookups
 * for the cost estimator. Rebuilt on every supergraph load.
 */
import type { DocumentNode } from "graphql";
import { readDirectiveApplications, type DirectiveIndex } from "../supergraph/directive-reader.ts";

export const costFeatureUrl = "https://specs.apollo.dev/cost";

/** `@listSize` as applied to one field. */
export interface ListSizeDirective {
  readonly assumedSize: number | undefined;
  readonly slicingArguments: readonly string[];
  readonly sizedFields: readonly string[];
  readonly requireOneSlicingArgument: boolean;
}

/** Weight lookups by schema coordinate; `undefined` means "no directive here, use the default". */
export interface CostDirectives {
  typeWeight(type: string): number | undefined;
  fieldWeight(type: string, field: string): number | undefined;
  argumentWeight(type: string, field: string, argument: string): number | undefined;
  /** `@cost` on an input object's field, charged when a request provides that field. */
  inputFieldWeight(inputType: string, field: string): number | undefined;
  listSize(type: string, field: string): ListSizeDirective | undefined;
}

/** A schema without any demand-control directive: every weight and size is the default. */
export const noCostDirectives: CostDirectives = {
  typeWeight: () => undefined,
  fieldWeight: () => undefined,
  argumentWeight: () => undefined,
  inputFieldWeight: () => undefined,
  listSize: () => undefined,
};

export function costDirectivesFrom(supergraph: string | DocumentNode): CostDirectives {
  const index = readDirectiveApplications(supergraph, [{ url: costFeatureUrl, directives: ["cost", "listSize"] }]);
  const listSizes = new Map<string, ListSizeDirective>();
  const weightAt = (coordinate: string) => weightOf(index, coordinate);
  return {
    typeWeight: (type) => weightAt(type),
    fieldWeight: (type, field) => weightAt(`${type}.${field}`),
    argumentWeight: (type, field, argument) => weightAt(`${type}.${field}(${argument}:)`),
    inputFieldWeight: (inputType, field) => weightAt(`${inputType}.${field}`),
    listSize(type, field) {
      const coordinate = `${type}.${field}`;
      const cached = listSizes.get(coordinate);
      if (cached) return cached;
      const applied = index.find(coordinate, "listSize");
      if (!applied) return undefined;
      const parsed: ListSizeDirective = {
        assumedSize: typeof applied.args.assumedSize === "number" ? applied.args.assumedSize : undefined,
        slicingArguments: stringList(applied.args.slicingArguments),
        sizedFields: stringList(applied.args.sizedFields),
        requireOneSlicingArgument: applied.args.requireOneSlicingArgument !== false,
      };
      listSizes.set(coordinate, parsed);
      return parsed;
    },
  };
}

function weightOf(index: DirectiveIndex, coordinate: string): number | undefined {
  const weight = index.find(coordinate, "cost")?.args.weight;
  return typeof weight === "number" && Number.isFinite(weight) ? weight : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
