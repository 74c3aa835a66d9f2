import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Registry } from "prom-client";
import { manifestMetrics } from "../../../gateway/src/hardening/manifest-metrics.ts";
import { ManifestSource } from "../../../gateway/src/hardening/manifest-source.ts";
import { until } from "../../helpers/subscription-clients.ts";

const dir = mkdtempSync(join(tmpdir(), "manifest-source-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const write = (file: string, operations: Record<string, string> | string) =>
  writeFileSync(file, typeof operations === "string" ? operations : JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations: Object.entries(operations).map(([id, body]) => ({ id, body })) }));

/** A logger whose lines the test reads. */
function recordingLogger() {
  const lines: Array<{ msg: string; reason?: string }> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const byId = (source: ManifestSource, id: string) => source.apply({ documentId: id }).kind;
const reloads = async (registry: Registry) => (await registry.getSingleMetricAsString("gateway_manifest_reloads_total")).split("\n").filter((l) => !l.startsWith("#")).join(" ");

describe("the reloadable safelist manifest", () => {
  it("serves the new file's operations and refuses the removed ones after a reload", () => {
    const file = join(dir, "swap.json");
    write(file, { a: "{ __typename }", b: "query B { __typename }" });
    const source = new ManifestSource({ path: file, mode: "safelist", watch: false, pollIntervalMs: 1000, logger: pino({ level: "silent" }) });
    assert.deepEqual([byId(source, "a"), byId(source, "b"), byId(source, "c")], ["ok", "ok", "refused"]);
    write(file, { a: "{ __typename }", c: "query C { __typename }" });
    assert.equal(source.reload(), "applied");
    assert.deepEqual([byId(source, "a"), byId(source, "b"), byId(source, "c")], ["ok", "refused", "ok"]);
    assert.equal(source.size, 2);
  });

  it("keeps the manifest in service when the new file is not JSON, not a manifest, or holds a document that does not parse, with a log line and a metric", async () => {
    const file = join(dir, "bad.json");
    write(file, { a: "{ __typename }" });
    const registry = new Registry();
    const { logger, lines } = recordingLogger();
    const source = new ManifestSource({ path: file, mode: "safelist", watch: false, pollIntervalMs: 1000, logger, metrics: manifestMetrics(registry) });
    for (const bad of ["{ not json", JSON.stringify([1, 2]), JSON.stringify({ operations: [{ id: "x" }] }), JSON.stringify({ operations: [{ id: "x", body: "{ unclosed" }] })]) {
      write(file, bad);
      assert.equal(source.reload(), "refused", bad);
      assert.equal(byId(source, "a"), "ok", "the old manifest still serves");
    }
    const refusals = lines.filter((l) => l.msg === "persisted operations manifest reload refused; keeping the current manifest");
    assert.equal(refusals.length, 4);
    assert.match(refusals[3]!.reason!, /the document of "x" does not parse/);
    assert.match(await registry.getSingleMetricAsString("gateway_manifest_reload_refused"), /gateway_manifest_reload_refused 1/);
    rmSync(file);
    assert.equal(source.reload(), "refused", "a file gone is refused too");
    write(file, { a: "{ __typename }" });
    assert.equal(source.reload(), "unchanged");
    assert.match(await reloads(registry), /result="refused"} 5 .*result="unchanged"} 1/);
    assert.match(await registry.getSingleMetricAsString("gateway_manifest_reload_refused"), /gateway_manifest_reload_refused 0/, "cleared once a good file is back");
    assert.match(await registry.getSingleMetricAsString("gateway_manifest_operations"), /gateway_manifest_operations 1/);
  });

  it("re-reads the file when it changes, without a signal", async () => {
    const file = join(dir, "watched.json");
    write(file, { a: "{ __typename }" });
    const source = new ManifestSource({ path: file, mode: "safelist", watch: true, pollIntervalMs: 50, logger: pino({ level: "silent" }) });
    try {
      write(file, { b: "{ __typename }" });
      // The watcher's first stat may come after this write (it is asynchronous): keep moving the
      // mtime on until a poll sees a change.
      let tick = 0;
      await until(() => {
        const later = new Date(Date.now() + 2_000 * ++tick);
        utimesSync(file, later, later);
        return byId(source, "b") === "ok";
      }, 5_000, "the watcher applying the new file");
      assert.equal(byId(source, "a"), "refused");
    } finally {
      source.close();
    }
  });
});
