/**
 * The configuration `npm start` runs with: the demo system on 127.0.0.1.
 * Every key is documented in README.md ("Configuration"); the schema with defaults is
 * gateway/src/config/schema.ts. Environment variables PORT, HOST, LOG_LEVEL and
 * SUPERGRAPH_PATH override the deployment settings.
 */
import { defineConfig } from "./src/config/load.ts";

export default defineConfig({
  server: { host: "127.0.0.1", port: 4000 },
  supergraph: { path: "schema/supergraph.graphql", watch: true },
  subgraphs: {
    all: { timeoutMs: 5_000, connectTimeoutMs: 1_000 },
  },
});
