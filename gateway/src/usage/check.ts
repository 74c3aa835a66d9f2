/**
 * The schema check: which changes between two API schemas break or endanger the operations
 * clients really sent (recorded usage in a window) and the persisted operations a manifest
 * trusts. An operation is affected by a change when it touched the change's coordinates
 * (changes.ts); it is broken outright when its document, valid against the old schema, no
 * longer validates against the new one (this also catches what no coordinate names). The check
 * passes when no breaking change touches a recorded or persisted operation and none of them
 * stops validating; a breaking change nothing used passes, and the report says so.
 */
import { parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from "graphql";
import { affects, diffSchemas, type SchemaChange } from "./changes.ts";
import { deprecatedCoordinates } from "./coordinates.ts";
import { describeOperation, type OperationType } from "./operation-shape.ts";
import type { ClientUsage, RecordedOperation } from "./store.ts";

export interface CheckInput {
  readonly before: GraphQLSchema;
  readonly after: GraphQLSchema;
  /** Operations executed in the window. */
  readonly recorded: readonly RecordedOperation[];
  /** Persisted operations by id (the manifest). */
  readonly persisted: ReadonlyMap<string, string>;
}

export interface OperationRef {
  readonly hash: string;
  readonly name: string | null;
  readonly type: OperationType;
  readonly clients: readonly ClientUsage[];
}

export interface PersistedRef {
  readonly id: string;
  readonly name: string | null;
}

export interface ChangeImpact extends SchemaChange {
  readonly operations: readonly OperationRef[];
  readonly persisted: readonly PersistedRef[];
}

export interface InvalidRecorded extends OperationRef {
  /** Validation errors against the new schema. */
  readonly errors: readonly string[];
}

export interface InvalidPersisted extends PersistedRef {
  readonly errors: readonly string[];
}

export interface CheckReport {
  readonly passed: boolean;
  readonly changes: readonly ChangeImpact[];
  /** Recorded operations valid before and invalid after. */
  readonly invalidRecorded: readonly InvalidRecorded[];
  readonly invalidPersisted: readonly InvalidPersisted[];
  readonly recordedOperations: number;
  readonly persistedOperations: number;
}

interface Candidate {
  readonly coordinates: ReadonlySet<string>;
  readonly document: DocumentNode;
}

export function checkSchemaChange(input: CheckInput): CheckReport {
  const changes = diffSchemas(input.before, input.after);
  const recorded = input.recorded.map((op) => ({ op, candidate: candidateOf(op.signature, op.coordinates) }));
  const persisted: Array<{ ref: PersistedRef; candidate: Candidate }> = [];
  for (const [id, body] of input.persisted) {
    let document: DocumentNode;
    try {
      document = parse(body);
    } catch {
      continue; // not a document: the gateway refuses it either way, no schema change is to blame
    }
    for (const definition of document.definitions) {
      if (definition.kind !== "OperationDefinition") continue;
      const described = describeOperation(input.before, document, definition.name?.value);
      if (described) persisted.push({ ref: { id, name: described.name }, candidate: { coordinates: new Set(described.coordinates), document } });
    }
  }

  const impacts: ChangeImpact[] = changes.map((change) => ({
    ...change,
    operations: change.severity === "safe" ? [] : recorded.filter(({ candidate }) => candidate && affects(change, candidate.coordinates)).map(({ op }) => refOf(op)),
    persisted: change.severity === "safe" ? [] : persisted.filter(({ candidate }) => affects(change, candidate.coordinates)).map(({ ref }) => ref),
  }));

  const invalidRecorded: InvalidRecorded[] = [];
  for (const { op, candidate } of recorded) {
    const errors = candidate ? newErrors(input.before, input.after, candidate.document) : [];
    if (errors.length > 0) invalidRecorded.push({ ...refOf(op), errors });
  }
  const invalidPersisted: InvalidPersisted[] = [];
  const seenDocuments = new Set<string>();
  for (const { ref, candidate } of persisted) {
    if (seenDocuments.has(ref.id)) continue;
    seenDocuments.add(ref.id);
    const errors = newErrors(input.before, input.after, candidate.document);
    if (errors.length > 0) invalidPersisted.push({ ...ref, errors });
  }

  const brokenByChange = impacts.some((c) => c.severity === "breaking" && (c.operations.length > 0 || c.persisted.length > 0));
  return {
    passed: !brokenByChange && invalidRecorded.length === 0 && invalidPersisted.length === 0,
    changes: impacts,
    invalidRecorded,
    invalidPersisted,
    recordedOperations: input.recorded.length,
    persistedOperations: input.persisted.size,
  };
}

/** Errors the new schema reports and the old one did not (a document already invalid is not this change's doing). */
function newErrors(before: GraphQLSchema, after: GraphQLSchema, document: DocumentNode): string[] {
  if (validate(before, document, specifiedRules).length > 0) return [];
  return validate(after, document, specifiedRules).map((e) => e.message);
}

function candidateOf(signature: string, coordinates: readonly string[]): Candidate | undefined {
  try {
    return { coordinates: new Set(coordinates), document: parse(signature) };
  } catch {
    return undefined;
  }
}

const refOf = (op: RecordedOperation): OperationRef => ({ hash: op.hash, name: op.name, type: op.type, clients: op.clients });

export interface DeprecatedUsage {
  readonly coordinate: string;
  readonly reason: string;
  /** Per client across every operation that touched the coordinate; empty: nothing used it in the window. */
  readonly clients: readonly ClientUsage[];
  readonly operations: ReadonlyArray<{ readonly hash: string; readonly name: string | null }>;
}

/** Every deprecated coordinate of `schema`, with the clients that still used it in the recorded window. */
export function deprecatedUsage(schema: GraphQLSchema, recorded: readonly RecordedOperation[]): DeprecatedUsage[] {
  const out: DeprecatedUsage[] = [];
  for (const [coordinate, reason] of deprecatedCoordinates(schema)) {
    const clients = new Map<string, ClientUsage>();
    const operations: Array<{ hash: string; name: string | null }> = [];
    for (const op of recorded) {
      if (!op.coordinates.includes(coordinate)) continue;
      operations.push({ hash: op.hash, name: op.name });
      for (const c of op.clients) {
        const key = `${c.name}\n${c.version}`;
        const prior = clients.get(key);
        clients.set(key, prior ? { ...prior, count: prior.count + c.count, lastSeen: Math.max(prior.lastSeen, c.lastSeen) } : c);
      }
    }
    out.push({ coordinate, reason, clients: [...clients.values()].sort((a, b) => b.lastSeen - a.lastSeen), operations });
  }
  return out.sort((a, b) => a.coordinate.localeCompare(b.coordinate));
}
