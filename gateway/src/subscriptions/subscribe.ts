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
import type { Execute } from "../execution/gateway-executor.ts";
import { answerPrepared } from "../pipeline/run-operation.ts";
import { PushStream as Stream } from "./push-stream.ts";

export type Subscribed = { readonly kind: "refused"; readonly answer: OperationAnswer } | { readonly kind: "started"; readonly stream: PushStream<FormattedExecutionResult> };

export type Subscribe = (request: OperationRequest, context: RequestContext) => Promise<Subscribed>;

export function createSubscribe(pipeline: OperationPipeline, service: SubscriptionService, execute: Execute | undefined, maxQueued: number): Subscribe {
  return async (request, context) => {
    const preparation = await pipeline.prepare(request, context);
    if (preparation.outcome.kind === "refused") return { kind: "refused", answer: await pipeline.respond(preparation, undefined, context) };
    // A query or mutation over SSE: its answer, then each @defer part, as events of one stream.
    if (preparation.outcome.operation.operation !== "subscription" && execute) {
      const answer = await answerPrepared(pipeline, execute, preparation, context);
      if (answer.refused || answer.status >= 400) return { kind: "refused", answer };
      return { kind: "started", stream: answerStream(answer, maxQueued) };
    }
    const started = service.start(preparation.outcome, context);
    if (started.kind === "refused") return { kind: "refused", answer: await pipeline.respond({ outcome: started, charge: undefined }, undefined, context) };
    pipeline.started(preparation.outcome, context);
    return started;
  };
}

/** One answer as a stream: the first payload, then the subsequent ones as they come. */
function answerStream(answer: OperationAnswer, maxQueued: number): PushStream<FormattedExecutionResult> {
  let stopped = false;
  const stream = new Stream<FormattedExecutionResult>(maxQueued, () => {
    stopped = true;
  });
  stream.push(answer.body);
  if (!answer.subsequent) {
    stream.end();
    return stream;
  }
  const rest = answer.subsequent;
  void (async () => {
    try {
      for await (const payload of rest) {
        if (stopped) return;
        stream.push(payload as unknown as FormattedExecutionResult);
      }
    } finally {
      stream.end();
    }
  })();
  return stream;
}
