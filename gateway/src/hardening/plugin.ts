/**
 * Request-level hardening: an operation that cannot be resolved, or a subscription sent as a
 * plain request, is a client fault (400 with a code naming it) rather than an executor crash
 * (500); and every error carries the request id a client quotes to support.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { gatewayError } from "../errors/codes.ts";
import type { RequestContext } from "../server/context.ts";

export function hardeningPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, document }) {
          if (!operation) {
            const named = document.definitions.filter((d) => d.kind === "OperationDefinition").length;
            throw request.operationName
              ? gatewayError("OPERATION_RESOLUTION_FAILURE", `Unknown operation named "${request.operationName}"`)
              : gatewayError("OPERATION_RESOLUTION_FAILURE", `The document has ${named} operations; name the one to run in "operationName"`);
          }
          if (operation.operation === "subscription") {
            throw gatewayError("SUBSCRIPTION_OVER_HTTP", "Subscriptions are served over WebSocket (graphql-ws) or Server-Sent Events (Accept: text/event-stream) at /graphql, not as a plain request");
          }
        },
      };
    },
  };
}

/**
 * Puts the request id on every error of the response. Last in the plugin list: `willSendResponse`
 * hooks run in list order, and earlier ones (authorization) still add errors.
 */
export function errorRequestIdPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== "single" || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
            ...e,
            extensions: { ...e.extensions, requestId: contextValue.requestId },
          }));
        },
      };
    },
  };
}
