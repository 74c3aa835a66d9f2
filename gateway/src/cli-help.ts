/**
 * The text of `npm run gateway -- --help`: the options, the config file formats and the
 * environment variables, in one place so the CLI and the README say the same.
 */
export const helpText = `Usage: npm run gateway -- [options]
       node dist/gateway/src/main.js [options]

Serves one federated GraphQL endpoint (/graphql) over the supergraph's subgraphs.
With no config file every policy is off and the gateway simply serves the supergraph.

Options:
  -c, --config <file>      Config file (also GATEWAY_CONFIG). Validated at start; an unknown
                           key or a wrong type stops the gateway naming the key.
  -s, --supergraph <file>  Supergraph SDL (overrides supergraph.path; default schema/supergraph.graphql).
  -p, --port <n>           Port (overrides server.port; default 4000; 0 picks a free one).
      --host <host>        Interface (overrides server.host; default 127.0.0.1).
  -w, --workers <n>        Processes sharing the port (overrides server.workers; default 1).
  -h, --help               Print this and exit.

Config file formats (by extension):
  .ts, .js, .mjs           A module whose default export is the config
                           (export default defineConfig({ ... }) from gateway/src/config/load.ts).
  .json                    A JSON object.
  .yaml, .yml              A YAML mapping.
  Every section and key, with its default: gateway/src/config/schema.ts; an example:
  gateway/gateway.config.ts; a summary: the README's "Configuration".

Environment variables (override the config file):
  PORT, HOST               server.port, server.host
  SUPERGRAPH_PATH          supergraph.path
  LOG_LEVEL                logging.level (fatal, error, warn, info, debug, trace, silent)
  REDIS_URL                Rate-limit counters and APQ registrations in Redis, shared by replicas
  NODE_ENV=production      Production mode (no developer page, introspection or suggestions; errors masked)
  GATEWAY_CONFIG           Config file, when --config is not given
  OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_*
                           Tracing: on when an OTLP endpoint is set (standard OpenTelemetry variables)

Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP re-reads the supergraph and the persisted-operations manifest.
`;
