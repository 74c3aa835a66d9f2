/**
 * The telemetry plugin, first in the plugin list: fills the request's telemetry record with what
 * only Apollo Server knows (operation name and type, variables, the error codes of the response
 * as sent) and, with tracing on, adds `graphql.parse` and `graphql.validate` spans under the
 * request's server span. Planning and execution spans come from `@apollo/gateway` itself.
 */
import { SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import type { ApolloServerPlugin, GraphQLRequestListener } from "@apollo/server";
import type { RequestContext } from "../server/context.ts";
import { recordOf } from "./request-record.ts";

export interface TelemetryPluginOptions {
  /** Undefined when tracing is off. */
  tracer: Tracer | undefined;
}

export function telemetryPlugin({ tracer }: TelemetryPluginOptions): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue, request }) {
      const record = recordOf(contextValue);
      if (!record) return;
      if (request.variables) record.variables = request.variables;
      const listener: GraphQLRequestListener<RequestContext> = {
        async didResolveOperation({ operation }) {
          if (!operation) return;
          record.operationName = operation.name?.value ?? null;
          record.operationType = operation.operation;
          record.span?.setAttributes({
            "graphql.operation.type": operation.operation,
            ...(operation.name ? { "graphql.operation.name": operation.name.value } : {}),
          });
        },
        async willSendResponse({ response }) {
          // Kept, not read: later plugins still add errors (request-record.ts, errorCodesOf).
          record.result = response.body.kind === "single" ? response.body.singleResult : response.body.initialResult;
        },
      };
      if (tracer) {
        listener.parsingDidStart = async () => {
          const span = tracer.startSpan("graphql.parse");
          return async (error) => endSpan(span, error ? [error] : undefined);
        };
        listener.validationDidStart = async () => {
          const span = tracer.startSpan("graphql.validate");
          return async (errors) => endSpan(span, errors);
        };
      }
      return listener;
    },
  };
}

function endSpan(span: Span, errors: ReadonlyArray<Error> | undefined): void {
  if (errors && errors.length > 0) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0]!.message });
    span.setAttribute("graphql.error.count", errors.length);
  }
  span.end();
}
