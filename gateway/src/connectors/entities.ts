/**
 * `_entities` for a connector subgraph: representations grouped by type and resolved by that
 * type's connector. A `$batch` connector sends one request per chunk of `maxSize` distinct keys
 * and matches the answers back by key, not by position (a REST batch endpoint may reorder or
 * leave out ids); without `$batch`, one request per representation with it as `$this`. A key
 * the service did not return resolves to null; a failed request is a field error on each
 * representation it was for.
 */
import { GraphQLError } from "graphql";
import { callConnector, type FetchState } from "./connector-call.ts";
import type { ConnectorDefinition } from "./definitions.ts";

type Representation = Record<string, unknown> & { __typename: string };
type EntityConnector = Extract<ConnectorDefinition, { kind: "entity" }> | Extract<ConnectorDefinition, { kind: "field" }>;

const keyOf = (fields: readonly string[], value: Record<string, unknown>) => JSON.stringify(fields.map((f) => (value[f] === null || value[f] === undefined ? null : String(value[f]))));

export async function resolveEntities(state: FetchState, representations: readonly Representation[], connectorFor: (typename: string) => EntityConnector | undefined): Promise<unknown[]> {
  const results: unknown[] = new Array(representations.length).fill(null);
  const byType = new Map<string, number[]>();
  representations.forEach((r, i) => byType.set(r.__typename, [...(byType.get(r.__typename) ?? []), i]));
  await Promise.all(
    [...byType].map(async ([typename, indexes]) => {
      const connector = connectorFor(typename);
      if (!connector) {
        for (const i of indexes) results[i] = new GraphQLError(`No connector resolves ${typename} entities`, { extensions: { code: "SUBGRAPH_BAD_RESPONSE", subgraph: state.subgraph } });
        return;
      }
      if (connector.kind === "entity" && connector.batch) return resolveBatched(state, connector, representations, indexes, results);
      await Promise.all(
        indexes.map(async (i) => {
          const representation = representations[i]!;
          const vars = connector.kind === "entity" ? { $this: representation } : { $args: representation };
          try {
            const value = await callConnector(state, connector, vars);
            results[i] = value === null || value === undefined || typeof value !== "object" ? null : { ...representation, ...(value as object), __typename: typename };
          } catch (e) {
            results[i] = e;
          }
        }),
      );
    }),
  );
  return results;
}

async function resolveBatched(
  state: FetchState,
  connector: Extract<ConnectorDefinition, { kind: "entity" }>,
  representations: readonly Representation[],
  indexes: readonly number[],
  results: unknown[],
): Promise<void> {
  const { keyFields, batch } = connector;
  // Distinct keys only: a payment list that names one charge twice asks for it once.
  const distinct = new Map<string, Record<string, unknown>>();
  for (const i of indexes) {
    const r = representations[i]!;
    const key = keyOf(keyFields, r);
    if (!distinct.has(key)) distinct.set(key, Object.fromEntries(keyFields.map((f) => [f, r[f]])));
  }
  const keys = [...distinct.values()];
  const chunks: Record<string, unknown>[][] = [];
  for (let at = 0; at < keys.length; at += batch!.maxSize) chunks.push(keys.slice(at, at + batch!.maxSize));
  const found = new Map<string, Record<string, unknown>>();
  const failed = new Map<string, unknown>();
  await Promise.all(
    chunks.map(async (chunk) => {
      try {
        const answer = await callConnector(state, connector, { $batch: chunk });
        if (!Array.isArray(answer)) throw new GraphQLError(`The ${state.subgraph} service's batch answer is not a list (connector ${connector.id})`, { extensions: { code: "CONNECTOR_BAD_RESPONSE", subgraph: state.subgraph, connector: connector.id } });
        for (const item of answer) if (item && typeof item === "object") found.set(keyOf(keyFields, item as Record<string, unknown>), item as Record<string, unknown>);
      } catch (e) {
        for (const k of chunk) failed.set(keyOf(keyFields, k), e);
      }
    }),
  );
  for (const i of indexes) {
    const r = representations[i]!;
    const key = keyOf(keyFields, r);
    const item = found.get(key);
    results[i] = failed.get(key) ?? (item ? { ...r, ...item, __typename: r.__typename } : null);
  }
}
