/**
 * `server.heapGrowthPercent`: the flag it sets, and that setting it at run time really bounds
 * the heap. A child process keeps ~40 MB live while churning garbage that lives long enough
 * to be promoted; its peak heap is compared with V8's own heuristic in the same machine.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { heapGrowthFlag } from "../../../gateway/src/server/heap.ts";

const heapModule = fileURLToPath(new URL("../../../gateway/src/server/heap.ts", import.meta.url));

function peakHeapMb(percent: number): number {
  const script = `
    import { applyHeapGrowth } from ${JSON.stringify(heapModule)};
    applyHeapGrowth(${percent});
    const live = Array.from({ length: 400_000 }, (_, i) => ({ i, s: "live-" + i }));
    const ring = new Array(100_000);
    let peak = 0;
    for (let n = 0; n < 3_000_000; n++) {
      ring[n % ring.length] = { n, s: "garbage-" + n, a: [n, n + 1] };
      if (n % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    process.stdout.write(String(Math.round(peak / 1048576) + live.length * 0));
  `;
  return Number(execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 }));
}

describe("heap growth", () => {
  it("maps a percent to V8's flag, and 0 to none", () => {
    assert.equal(heapGrowthFlag(100), "--heap-growing-percent=100");
    assert.equal(heapGrowthFlag(0), undefined);
    assert.throws(() => heapGrowthFlag(-1), RangeError);
    assert.throws(() => heapGrowthFlag(1.5), RangeError);
  });

  it("bounds the peak heap of a churning process well below V8's own heuristic when applied at run time", () => {
    const bounded = peakHeapMb(25);
    const unbounded = peakHeapMb(0);
    assert.ok(bounded < unbounded * 0.75, `peak heap ${bounded} MB with 25% growth, ${unbounded} MB with V8's heuristic`);
  });
});
