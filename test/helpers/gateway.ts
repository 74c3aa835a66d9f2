/**
 * Starts a real gateway on 127.0.0.1:0 for a test, with a silent logger unless a test
 * wants to read the log lines.
 */
import { Writable } from "node:stream";
import { validateConfig } from "../../gateway/src/config/load.ts";
import type { GatewayConfigInput } from "../../gateway/src/config/schema.ts";
import { startGateway, type RunningGateway } from "../../gateway/src/gateway.ts";
import { createLogger } from "../../gateway/src/logging/logger.ts";
import type { SpanProcessor } from "../../gateway/src/telemetry/tracing.ts";

export interface TestGatewayOptions {
  /** Collect log lines (parsed JSON) instead of discarding them. */
  captureLogs?: boolean;
  /** Where spans go when `telemetry.tracing.enabled` is true (an in-memory exporter's processor). */
  spanProcessors?: SpanProcessor[];
}

export interface TestGateway extends RunningGateway {
  logs: Array<Record<string, unknown>>;
  /** The same lines as written, for what parsing hides (duplicate keys). */
  rawLogs: string[];
}

export async function startTestGateway(config: GatewayConfigInput = {}, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const logs: Array<Record<string, unknown>> = [];
  const rawLogs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const logger = createLogger({ level: options.captureLogs ? "debug" : "silent", destination });
  const full = validateConfig(
    {
      ...config,
      server: { host: "127.0.0.1", port: 0, ...config.server },
      supergraph: { watch: false, ...config.supergraph },
    },
    {},
  );
  const gateway = await startGateway(full, { logger, ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}) });
  return Object.assign(gateway, { logs, rawLogs });
}

export interface GraphQLResult {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>; extensions?: Record<string, unknown> };
}

/** POSTs a GraphQL request and parses the JSON answer. */
export async function postGraphQL(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResult> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLResult["body"] };
}
