/**
 * CLI entry: `npm run gateway -- [--config <file>] [--supergraph <file>] [--port <n>] [--host <h>] [--workers <n>] [--help]`.
 * With no config file every policy is off and the gateway simply serves the supergraph.
 * With more than one worker this process only supervises them (server/cluster.ts).
 */
import { parseArgs } from "node:util";
import { helpText } from "./cli-help.ts";
import { ConfigError, loadConfigFile, validateConfig } from "./config/load.ts";
import type { GatewayConfig } from "./config/schema.ts";
import { startGateway } from "./gateway.ts";
import { createLogger } from "./logging/logger.ts";
import { applyHeapGrowth } from "./server/heap.ts";
import { onPrimaryShutdown, servesRequests, superviseWorkers, workerId } from "./server/cluster.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      help: { type: "boolean", short: "h" },
      config: { type: "string", short: "c" },
      supergraph: { type: "string", short: "s" },
      port: { type: "string", short: "p" },
      host: { type: "string" },
      workers: { type: "string", short: "w" },
    },
  });
  if (values.help) {
    process.stdout.write(helpText);
    return;
  }
  const env = { ...process.env };
  if (values.port !== undefined) env.PORT = values.port;
  if (values.host !== undefined) env.HOST = values.host;
  if (values.supergraph !== undefined) env.SUPERGRAPH_PATH = values.supergraph;
  const configPath = values.config ?? process.env.GATEWAY_CONFIG;
  const config: GatewayConfig = configPath ? await loadConfigFile(configPath, env) : validateConfig({}, env);
  const workers = values.workers === undefined ? config.server.workers : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new ConfigError(`--workers must be a positive integer, got "${values.workers}"`);
  if (!servesRequests(workers)) {
    superviseWorkers({ workers, logger: createLogger({ level: config.logging.level }), shutdownGraceMs: config.server.shutdownGraceMs });
    return;
  }

  applyHeapGrowth(config.server.heapGrowthPercent);
  // Workers share stdout: each line says which worker wrote it.
  const worker = workerId();
  const gateway = await startGateway(config, worker === undefined ? {} : { logger: createLogger({ level: config.logging.level }).child({ worker }) });
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
  // A cluster worker drains when the primary says so (and, like any process, on a signal).
  let told = false;
  onPrimaryShutdown(() => {
    if (told) return;
    told = true;
    if (signals === 0) onSignal("SIGTERM");
  });
  // SIGHUP re-reads the supergraph; a change the reload guard is holding is swapped in anyway (the operator's override).
  // It re-reads the safelist manifest too.
  process.on("SIGHUP", () => {
    gateway.supergraph.reload("signal", { force: true });
    gateway.manifest?.reload("signal");
  });
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    console.error(e.message);
  } else if ((e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`${(e as Error).message}\nRun with --help for the options.`);
  } else {
    console.error("gateway failed to start:", e instanceof Error ? e.message : e);
  }
  process.exit(1);
});
