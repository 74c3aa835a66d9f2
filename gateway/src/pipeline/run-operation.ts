/**
 * One query or mutation from request to answer: the pipeline's stages, execution when they
 * admitted it, and the shaped answer. Every request/response transport (HTTP and each batch
 * element, REST endpoints) runs this; only the framing of the answer is theirs.
 */
import type { Execute } from "../execution/gateway-executor.ts";
import type { RequestContext } from "../server/context.ts";
import type { OperationRequest, RequestShapeFault } from "./operation-request.ts";
import type { OperationAnswer, OperationPipeline, Preparation } from "./pipeline.ts";
import { refuse } from "./refusal.ts";

export async function runOperation(pipeline: OperationPipeline, execute: Execute, request: OperationRequest | RequestShapeFault, context: RequestContext): Promise<OperationAnswer> {
  // A request of the wrong shape (a batch element, say) is answered on its own.
  if ("kind" in request) return pipeline.respond({ outcome: refuse(request.code, request.message), charge: undefined }, undefined, context);
  return answerPrepared(pipeline, execute, await pipeline.prepare(request, context), context);
}

/** Execution of what the pipeline prepared (when it admitted it), and the shaped answer. */
export async function answerPrepared(pipeline: OperationPipeline, execute: Execute, preparation: Preparation, context: RequestContext): Promise<OperationAnswer> {
  let result;
  if (preparation.outcome.kind === "prepared") {
    const prepared = preparation.outcome;
    if (prepared.filtered && !prepared.filtered.executable) {
      result = { data: {} }; // every root field was removed: nothing to plan or fetch
    } else {
      try {
        result = await execute({ ...prepared, context });
      } catch (e) {
        context.logger.error({ err: e }, "operation execution failed");
        result = { data: null, errors: [{ message: `Internal error (request id ${context.requestId})`, extensions: { code: "INTERNAL_SERVER_ERROR" } }] };
      }
    }
  }
  return pipeline.respond(preparation, result, context);
}
