/**
 * Runs one subgraph:
 *
 *   node --import tsx subgraphs/main.ts <auth|orders|delivery|payments> [--port N] [--host H] [--db PATH]
 *   node --import tsx subgraphs/main.ts auth --rotate-key [--db PATH]
 *
 * PORT, HOST and DB_PATH are read when the flags are absent; the rest of the configuration
 * (AUTH_JWKS_URL, ORDERS_URL, JWT_ISSUER, JWT_AUDIENCE, ACCESS_TOKEN_TTL, LOG_LEVEL) is read
 * by the factories themselves.
 */
import { parseArgs } from "node:util";
import { rotateAuthSigningKey, SERVICE_NAMES, startSubgraph, type ServiceName } from "./index.ts";
import { createLogger } from "./shared/logger.ts";
import { startTracingFromEnv } from "./shared/tracing.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: "string" },
    host: { type: "string" },
    db: { type: "string" },
    "rotate-key": { type: "boolean", default: false },
  },
});

const service = positionals[0] as ServiceName | undefined;
if (!service || !SERVICE_NAMES.includes(service) || positionals.length > 1) {
  console.error(`usage: subgraphs/main.ts <${SERVICE_NAMES.join("|")}> [--port N] [--host H] [--db PATH] [--rotate-key]`);
  process.exit(2);
}
const logger = createLogger({ service });
// Spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set.
const stopTracing = startTracingFromEnv(service);

const portText = values.port ?? process.env.PORT;
const port = portText === undefined ? undefined : Number(portText);
if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
  logger.fatal({ port: portText }, "invalid port");
  process.exit(2);
}
const dbPath = values.db ?? process.env.DB_PATH;
const host = values.host ?? process.env.HOST;

if (values["rotate-key"]) {
  if (service !== "auth") {
    logger.fatal("--rotate-key applies to the auth service only");
    process.exit(2);
  }
  const { kid } = await rotateAuthSigningKey(dbPath ? { dbPath } : {});
  logger.info({ kid }, "signing key rotated");
} else {
  const running = await startSubgraph(service, {
    logger,
    ...(port === undefined ? {} : { port }),
    ...(host ? { host } : {}),
    ...(dbPath ? { dbPath } : {}),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    running
      .close()
      .then(() => stopTracing?.())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  // `on`, not `once`: tsx's loader exits at once on a signal that has no listener left.
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
