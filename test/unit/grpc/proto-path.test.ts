import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { loadConfigFile } from "../../../gateway/src/config/load.ts";
import { GrpcLoadError } from "../../../gateway/src/grpc/read-directives.ts";
import { buildSnapshot } from "../../../gateway/src/supergraph/snapshot.ts";
import { loadSupergraphSdl } from "../../../gateway/src/supergraph/file-source.ts";
import { grpcSubgraphHeader } from "../../helpers/grpc-sdl.ts";
import { tempDir } from "../../helpers/subgraphs.ts";

/** A routing-like subgraph whose .proto is at `proto` (relative), composed into a supergraph SDL. */
function supergraphNaming(proto: string): string {
  const sdl = `${grpcSubgraphHeader(proto)}
type Query { eta(deliveryId: ID!): Eta @rpc(service: "routing", method: "EstimateEta") }
`;
  const result = composeServices([{ name: "routing", url: "grpc://127.0.0.1:1", typeDefs: parse(sdl) }]);
  if (result.errors) throw new Error(result.errors.map(String).join("\n"));
  return result.supergraphSdl;
}

describe("where a @grpcService's .proto is read from", () => {
  const dir = tempDir("proto-dirs-");
  // A path that exists only below the temporary directory, never in the working directory.
  const relative = "protos-elsewhere/routing/routing.proto";
  const sdl = supergraphNaming(relative);
  before(() => {
    mkdirSync(join(dir.path, "protos-elsewhere/routing"), { recursive: true });
    copyFileSync("services/routing/routing.proto", join(dir.path, relative));
  });
  after(() => dir.cleanup());

  it("reads a relative path from the working directory when supergraph.protoDirs is absent", () => {
    assert.throws(() => loadSupergraphSdl(sdl), (e: unknown) => e instanceof GrpcLoadError && e.message.includes(relative));
    assert.ok(loadSupergraphSdl(supergraphNaming("services/routing/routing.proto")).grpc?.length === 1);
  });

  it("looks a relative path up in supergraph.protoDirs, in order, and loads the service from the first that holds it", () => {
    const loaded = loadSupergraphSdl(sdl, { protoDirs: [join(dir.path, "missing"), dir.path] });
    assert.equal(loaded.grpc![0]!.service.proto, join(dir.path, relative));
    // The snapshot's runtime reads the same file: nothing is looked up again relative to the working directory.
    assert.equal(buildSnapshot(loaded).grpc.get("routing")?.graph.service.proto, join(dir.path, relative));
  });

  it("refuses a path none of supergraph.protoDirs holds, naming every place it looked", () => {
    assert.throws(
      () => loadSupergraphSdl(sdl, { protoDirs: [join(dir.path, "a"), join(dir.path, "b")] }),
      (e: unknown) => e instanceof GrpcLoadError && e.message.includes(join(dir.path, "a", relative)) && e.message.includes(join(dir.path, "b", relative)),
    );
  });

  it("resolves relative supergraph.protoDirs entries against the config file's directory, not the working directory", async () => {
    const file = join(dir.path, "gateway.json");
    writeFileSync(file, JSON.stringify({ supergraph: { protoDirs: [".", "/abs/protos"] } }));
    const config = await loadConfigFile(file, {});
    assert.deepEqual(config.supergraph.protoDirs, [dir.path, "/abs/protos"]);
    assert.equal(loadSupergraphSdl(sdl, { protoDirs: config.supergraph.protoDirs }).grpc![0]!.service.proto, join(dir.path, relative));
  });
});
