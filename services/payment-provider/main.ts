/**
 * Runs the payment provider:
 *
 *   node --import tsx services/payment-provider/main.ts [--port N] [--host H] [--db PATH]
 *
 * PORT, HOST and DB_PATH are read when the flags are absent.
 */
import { parseArgs } from "node:util";
import { createLogger } from "../../subgraphs/shared/logger.ts";
import { createPaymentProvider } from "./index.ts";

const { values } = parseArgs({ options: { port: { type: "string" }, host: { type: "string" }, db: { type: "string" } } });
const logger = createLogger({ service: "payment-provider" });
const portText = values.port ?? process.env.PORT;
const port = portText === undefined ? undefined : Number(portText);
if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
  logger.fatal({ port: portText }, "invalid port");
  process.exit(2);
}
const dbPath = values.db ?? process.env.DB_PATH;
const host = values.host ?? process.env.HOST;
const provider = await createPaymentProvider({ logger, ...(port === undefined ? {} : { port }), ...(host ? { host } : {}), ...(dbPath ? { dbPath } : {}) });
let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  void provider.close().then(() => process.exit(0));
};
// `on`, not `once`: tsx's loader exits at once on a signal that has no listener left.
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
