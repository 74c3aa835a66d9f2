/**
 * What both subscription transports (SSE, graphql-ws) do with one subscribe request: the operation
 * pipeline, then the subscription service. A refusal from either comes back as the pipeline's
 * answer (shaped errors, status, headers), for the transport to frame.
 */
import type { FormattedExecutionResult } from "graphql";
import type { OperationRequest } from "../pipeline/operation-request.ts";
import type { OperationAnswer, OperationPipeline } from "../pipeline/pipeline.ts";
import type { RequestContext } from "../server/context.ts";
import type { PushStream } from "./push-stream.ts";
import type { SubscriptionService } from "./service.ts";

export type Subscribed = { readonly kind: "refused"; readonly answer: OperationAnswer } | { readonly kind: "started"; readonly stream: PushStream<FormattedExecutionResult> };

export type Subscribe = (request: OperationRequest, context: RequestContext) => Promise<Subscribed>;

export function createSubscribe(pipeline: OperationPipeline, service: SubscriptionService): Subscribe {
  return async (request, context) => {
    const preparation = await pipeline.prepare(request, context);
    if (preparation.outcome.kind === "refused") return { kind: "refused", answer: await pipeline.respond(preparation, undefined, context) };
    const started = service.start(preparation.outcome, context);
    if (started.kind === "refused") return { kind: "refused", answer: await pipeline.respond({ outcome: started, charge: undefined }, undefined, context) };
    pipeline.started(preparation.outcome, context);
    return started;
  };
}
