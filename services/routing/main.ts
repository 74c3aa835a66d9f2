/**
 * Runs the routing service:
 *
 *   node --import tsx services/routing/main.ts [--port N] [--health-port N] [--host H] [--tick-ms N] [--db FILE]
 *
 * PORT (default 4006), HEALTH_PORT (default: no HTTP health listener), HOST (default 127.0.0.1)
 * ROUTING_TICK_MS (default 1000) and ROUTING_DB (courier assignments; default in memory) are read
 * when the flags are absent.
 */
import { parseArgs } from "node:util";
import { createLogger } from "../../subgraphs/shared/logger.ts";
import { createRoutingService } from "./index.ts";

const { values } = parseArgs({
  options: { port: { type: "string" }, "health-port": { type: "string" }, host: { type: "string" }, "tick-ms": { type: "string" }, db: { type: "string" } },
});
const logger = createLogger({ service: "routing" });

function integer(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    logger.fatal({ [name]: text }, `invalid ${name}: an integer from ${min} to ${max} is expected`);
    process.exit(2);
  }
  return value;
}

const port = integer("port", values.port ?? process.env.PORT, 0, 65535);
const healthPort = integer("health-port", values["health-port"] ?? process.env.HEALTH_PORT, 0, 65535);
const tickMs = integer("tick-ms", values["tick-ms"] ?? process.env.ROUTING_TICK_MS, 10, 60_000);
const host = values.host ?? process.env.HOST;
const dbPath = values.db ?? process.env.ROUTING_DB;
const service = await createRoutingService({
  logger,
  ...(port === undefined ? {} : { port }),
  ...(healthPort === undefined ? {} : { healthPort }),
  ...(tickMs === undefined ? {} : { tickMs }),
  ...(host ? { host } : {}),
  ...(dbPath ? { dbPath } : {}),
});
let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  void service.close().then(() => process.exit(0));
};
// `on`, not `once`: tsx's loader exits at once on a signal that has no listener left.
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
