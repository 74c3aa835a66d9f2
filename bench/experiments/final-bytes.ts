/**
 * The executor keeps fixed-shape objects and JSON.stringify for the final bytes because this measures
 * it faster than writing the JSON text from the shape in JavaScript (2026-12-04: 0.31 vs 0.60 ms for
 * the deep query's ~95 KB answer). Run: node --import tsx bench/experiments/final-bytes.ts
 */
import { EntityLists } from "../../gateway/src/executor/entity-lists.ts";
import { SharedObjects } from "../../gateway/src/executor/shared-objects.ts";
import { composeServices } from "@apollo/composition";
import { graphql } from "../src/graphql.ts";
import { operationFromDocument } from "@apollo/federation-internals";
import { guildSdl, guildSubgraphs } from "../subgraphs/guild.ts";
import { suites } from "../src/suites.ts";
import { buildSnapshot } from "../../gateway/src/supergraph/snapshot.ts";
import { sanitizeForApolloGateway } from "../../gateway/src/private-apis/supergraph-for-apollo-gateway.ts";
import { compilePlan } from "../../gateway/src/executor/compiled-plan.ts";
import { compileResponseShape, EntryKind, ShapeKind, type Entry, type OutputShape } from "../../gateway/src/executor/response-shape.ts";
import { runPlan } from "../../gateway/src/executor/run-plan.ts";
import { shapeResponse } from "../../gateway/src/executor/shape-response.ts";
import { anonymousContext } from "../../test/helpers/differential.ts";
const { parse, execute } = graphql;
const c = composeServices(Object.entries(guildSdl).map(([name, t]) => ({ name, url: "http://x", typeDefs: parse(t) })));
const snapshot = buildSnapshot({ sdl: c.supergraphSdl!, gatewaySdl: sanitizeForApolloGateway(c.supergraphSdl!) });
const sources = Object.fromEntries(guildSubgraphs().map((s) => [s.name, { process: async ({ request }: any) => JSON.parse(JSON.stringify(await execute({ schema: s.schema, document: parse(request.query), variableValues: request.variables }))) }]));
const q = suites.flatMap((s) => s.queries).find((x) => x.name === "deep")!.query;
const document = parse(q);
const op = operationFromDocument(snapshot.federationApiSchema, document);
const plan = snapshot.planner().buildQueryPlan(op);
const compiled = compilePlan(plan, snapshot.supergraphSchema);
const shape = compileResponseShape(snapshot.shapeSchema(), operationFromDocument(snapshot.federationApiSchema, document, { validate: false }));
const gathered: Record<string, unknown> = {};
await runPlan((compiled as any).root, gathered, { service: (n) => sources[n] as never, context: anonymousContext("x"), incoming: {} as never, variables: {}, defaults: {}, errors: [], tracer: undefined, entityLists: new EntityLists(), shared: new SharedObjects() });
const types = snapshot.shapeSchema();

// Direct text writer (no errors path: a value that would need bubbling throws, and the object path takes over).
function writeSet(input: any, entries: readonly Entry[], out: string[], first: { v: boolean }, parent: any): void {
  for (const e of entries) {
    if (e.kind === EntryKind.Fragment) { if (!e.applies || e.applies(input.__typename, parent)) writeSet(input, e.entries, out, first, e.innerType ?? parent); continue; }
    out.push(first.v ? JSON.stringify(e.responseName) + ":" : "," + JSON.stringify(e.responseName) + ":"); first.v = false;
    if (e.kind === EntryKind.Typename) { out.push(JSON.stringify(input.__typename ?? parent.name)); continue; }
    writeValue(input[e.responseName] ?? null, e.shape, out);
  }
}
function writeValue(v: unknown, s: OutputShape, out: string[]): void {
  switch (s.kind) {
    case ShapeKind.NonNull: if (v === null) throw new Error("bubble"); return writeValue(v, s.of, out);
    case ShapeKind.List: if (v === null) { out.push("null"); return; } out.push("["); (v as unknown[]).forEach((x, i) => { if (i) out.push(","); writeValue(x, s.of, out); }); out.push("]"); return;
    case ShapeKind.Composite: { if (v === null) { out.push("null"); return; } out.push("{"); writeSet(v, s.entries, out, { v: true }, s.type); out.push("}"); return; }
    case ShapeKind.Leaf: out.push(v === null ? "null" : JSON.stringify(v)); return;
  }
}
const viaObjects = () => JSON.stringify(shapeResponse(shape, types, gathered, {}).data);
const direct = () => { const out: string[] = ["{"]; writeSet(gathered, shape.entries, out, { v: true }, shape.root); out.push("}"); return out.join(""); };
const same = viaObjects() === direct();
if (!same || viaObjects().length < 1000) throw new Error("the two ways disagree, or there is no data");
console.log("same text:", same, viaObjects().length, "bytes");
for (const [name, f] of [["objects + JSON.stringify", viaObjects], ["direct text", direct], ["objects + JSON.stringify", viaObjects], ["direct text", direct]] as const) {
  for (let i = 0; i < 200; i++) f();
  const t = process.cpuUsage(); const n = 3000;
  for (let i = 0; i < n; i++) f();
  const u = process.cpuUsage(t);
  console.log(name, ((u.user + u.system) / 1000 / n).toFixed(3), "ms");
}
