/**
 * CLI entry: `npm run gateway -- [--config <file>] [--supergraph <file>] [--port <n>] [--host <h>]`.
 * With no config file every policy is off and the gateway simply serves the supergraph.
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfigFile, validateConfig } from "./config/load.ts";
import type { GatewayConfig } from "./config/schema.ts";
import { startGateway } from "./gateway.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: "string", short: "c" },
      supergraph: { type: "string", short: "s" },
      port: { type: "string", short: "p" },
      host: { type: "string" },
    },
  });
  const env = { ...process.env };
  if (values.port !== undefined) env.PORT = values.port;
  if (values.host !== undefined) env.HOST = values.host;
  if (values.supergraph !== undefined) env.SUPERGRAPH_PATH = values.supergraph;
  const configPath = values.config ?? process.env.GATEWAY_CONFIG;
  const config: GatewayConfig = configPath ? await loadConfigFile(configPath, env) : validateConfig({}, env);

  const gateway = await startGateway(config);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      gateway.logger.warn({ signal }, "second signal: exiting without draining");
      process.exit(1);
    }
    gateway.logger.info({ signal }, "shutdown requested");
    gateway.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        gateway.logger.error({ err: e }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  process.on("SIGHUP", () => gateway.supergraph.reload());
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    console.error(e.message);
  } else {
    console.error("gateway failed to start:", e instanceof Error ? e.message : e);
  }
  process.exit(1);
});
