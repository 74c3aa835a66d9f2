/**
 * How far V8 lets the old generation grow past its live size before the next full collection
 * (`server.heapGrowthPercent`). V8's own heuristic lets a busy process reach about 4× its live
 * heap between full collections; under load that garbage is most of the gateway's memory. A
 * bounded factor keeps peak memory near the live heap for a few percent of CPU (bench/README.md
 * has the measurement). Set for the whole process by the CLI, before the gateway starts.
 */
import { setFlagsFromString } from "node:v8";

/** The V8 flag for a growth percent; undefined for 0 (V8's own heuristic). */
export function heapGrowthFlag(percent: number): string | undefined {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth must be a non-negative integer percent, got ${percent}`);
  return percent === 0 ? undefined : `--heap-growing-percent=${percent}`;
}

/** Applies it to this process: V8 reads the flag at every full collection, so setting it at run time takes effect. */
export function applyHeapGrowth(percent: number): void {
  const flag = heapGrowthFlag(percent);
  if (flag) setFlagsFromString(flag);
}
