/**
 * What the policy parity table (test/integration/backend-parity.test.ts) shares: a gateway in
 * front of every kind's instances, and counting the calls each instance received between marks.
 */
import type { GatewayConfigInput } from "../../gateway/src/config/schema.ts";
import type { BackendInstance, Call, Kind } from "./backend-kinds.ts";
import { startTestGateway, type TestGatewayOptions } from "./gateway.ts";
import { demoAuth, type TestSubgraphs } from "./system.ts";

export type Instances = Map<Kind, BackendInstance[]>;
type Settings = Record<string, unknown>;

/** Calls of one kind (`what`) each instance received since `from`. */
export const since = (instances: BackendInstance[], from: Call[][], what?: Call["what"]) =>
  instances.map((instance, i) => instance.calls().slice(from[i]!.length).filter((c) => what === undefined || c.what === what));
export const mark = (instances: BackendInstance[]) => instances.map((instance) => instance.calls());
export const counts = (calls: Call[][]) => calls.map((c) => c.length);
export const sum = (calls: Call[][]) => calls.reduce((n, c) => n + c.length, 0);

/** A gateway whose three backends are the given instances, each with `settings` (and their own `perKind`). */
export function startParityGateway(
  subgraphs: TestSubgraphs,
  instances: Instances,
  config: GatewayConfigInput,
  settings: Settings,
  options: TestGatewayOptions = {},
  perKind: (kind: Kind) => Settings = () => ({}),
) {
  const own = Object.fromEntries([...instances].map(([kind, list]) => [kind.subgraph, { instances: list.map((i) => ({ url: i.url, weight: 1 })), ...settings, ...perKind(kind) }]));
  return startTestGateway(
    {
      auth: demoAuth(subgraphs),
      // Each case counts calls: identical operations of one caller must not share an execution here.
      operations: { shareInFlight: false },
      ...config,
      // No active checks or ejection unless a case asks: each case sees its rule alone. The retry
      // budget is unbounded: the cases retry in bursts the default budget (10% + 5/s) would cut.
      subgraphs: {
        ...subgraphs.routing,
        all: { healthCheck: { enabled: false }, outlierDetection: { enabled: false }, retry: { budgetRatio: 1, minPerSecond: 1_000 }, timeoutMs: 1_000 },
        ...own,
      },
    },
    options,
  );
}
