/**
 * One measured window for one target and query: warm up, let the gateway go idle, sample its
 * process tree and the subgraphs' request counters, load, let it go idle again, sample again.
 *
 * When wrk stops, each connection abandons one request the gateway still finishes; its CPU and
 * subgraph calls land in the window, so per-request figures divide by completed requests plus
 * one per connection. Without that, a slow gateway that completes few requests would look
 * several times more expensive than it is.
 */
import { runLoad } from "./load.ts";
import { samplePeakRss, treeCpuMs, waitIdle } from "./proc-stats.ts";
import type { Target } from "./targets.ts";

export interface Sample {
  target: string;
  query: string;
  round: number;
  /** Completed responses inside the window (wrk's count). */
  requests: number;
  /** In flight when wrk stopped: one per connection. */
  abandoned: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  non2xx: number;
  socketErrors: number;
  /** Gateway tree CPU (user+system) during the window; null for a subgraph called directly. */
  gatewayCpuMs: number | null;
  peakRssBytes: number | null;
  subgraphRequests: number;
  /** CPU of the lean subgraphs' process during the window, to spot a saturated load core. */
  subgraphCpuMs: number;
}

export interface MeasureContext {
  connections: number;
  durationS: number;
  warmupS: number;
  loadCore: number;
  runDir: string;
  /** Total requests the lean subgraphs of this suite have received so far. */
  subgraphCount(): Promise<number>;
  subgraphPid: number;
}

export async function measure(target: Target, query: { name: string; query: string }, round: number, ctx: MeasureContext): Promise<Sample> {
  const body = JSON.stringify({ query: query.query });
  const spec = { url: target.url, body, headers: target.headers, rotatingHeaders: target.rotatingHeaders, connections: ctx.connections, core: ctx.loadCore, runDir: ctx.runDir };
  const tag = `${query.name}.${target.name}.r${round}`;
  const busy = target.pid === undefined ? [ctx.subgraphPid] : [target.pid, ctx.subgraphPid];
  if (ctx.warmupS > 0) await runLoad({ ...spec, durationS: ctx.warmupS, tag: `${tag}.warmup` });
  await waitIdle(busy);

  const count0 = await ctx.subgraphCount();
  const sub0 = treeCpuMs(ctx.subgraphPid);
  const cpu0 = target.pid === undefined ? 0 : treeCpuMs(target.pid);
  const rss = target.pid === undefined ? undefined : samplePeakRss(target.pid);
  const load = await runLoad({ ...spec, durationS: ctx.durationS, tag });
  await waitIdle(busy);
  const cpu1 = target.pid === undefined ? 0 : treeCpuMs(target.pid);
  const peak = rss?.stop() ?? null;
  const sub1 = treeCpuMs(ctx.subgraphPid);
  const count1 = await ctx.subgraphCount();

  return {
    target: target.name,
    query: query.name,
    round,
    requests: load.requests,
    abandoned: ctx.connections,
    durationS: load.durationS,
    rps: load.durationS > 0 ? load.requests / load.durationS : 0,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    meanMs: load.meanMs,
    non2xx: load.non2xx,
    socketErrors: load.socketErrors,
    gatewayCpuMs: target.pid === undefined ? null : cpu1 - cpu0,
    peakRssBytes: peak,
    subgraphRequests: count1 - count0,
    subgraphCpuMs: sub1 - sub0,
  };
}
