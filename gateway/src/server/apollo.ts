/**
 * Builds the Apollo Server that runs operations over `@apollo/gateway`. Request-level
 * policies arrive as plugins in the order the assembly gives; this file only sets the
 * server-wide behaviour that depends on the mode.
 */
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { GatewayInterface } from "@apollo/server-gateway-interface";
import { apqEnabled } from "../config/operations.ts";
import type { GatewayConfig } from "../config/schema.ts";
import type { ApqCache } from "../hardening/apq-store.ts";
import type { Logger } from "../logging/logger.ts";
import type { RequestContext } from "./context.ts";
import { createErrorFormatter } from "../errors/format.ts";
import { operationLimitsRule } from "../hardening/operation-limits.ts";
import { serializeResult } from "./serialize-result.ts";

export interface ApolloOptions {
  config: GatewayConfig;
  gateway: GatewayInterface;
  logger: Logger;
  plugins: ApolloServerPlugin<RequestContext>[];
  /** Where APQ registrations live; absent: Apollo Server's in-process cache. */
  apqCache?: ApqCache | undefined;
}

export function createApolloServer({ config, gateway, logger, plugins, apqCache }: ApolloOptions): ApolloServer<RequestContext> {
  const development = config.mode === "development";
  const { limits, persisted, batching } = config.operations;
  return new ApolloServer<RequestContext>({
    gateway,
    logger: apolloLogger(logger),
    introspection: config.operations.introspection ?? development,
    validationRules: [operationLimitsRule(limits)],
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: createErrorFormatter({ mask: !development, clientFacingCodes: config.errors.clientFacingCodes }),
    allowBatchedHttpRequests: batching.enabled,
    // In safelist mode APQ registration would let a client add operations: it is off then.
    persistedQueries: apqEnabled(persisted) ? (apqCache ? { cache: apqCache } : {}) : false,
    hideSchemaDetailsFromClientErrors: !development,
    // Stack traces never help a client; the log has them.
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    stringifyResult: serializeResult,
    stopOnTerminationSignals: false,
    nodeEnv: development ? "development" : "production",
    plugins: [
      development ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
      ...plugins,
    ],
  });
}

function apolloLogger(logger: Logger) {
  const child = logger.child({ component: "apollo" });
  return {
    debug: (message?: unknown) => child.debug(String(message)),
    info: (message?: unknown) => child.info(String(message)),
    warn: (message?: unknown) => child.warn(String(message)),
    error: (message?: unknown) => child.error(String(message)),
  };
}
