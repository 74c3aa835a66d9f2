/**
 * Every error a client receives passes here, whatever the transport: the one formatter
 * (errors/format.ts: codes, masking in production, no internal detail) and the request id a
 * client quotes to support.
 */
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { createErrorFormatter, type FormatOptions } from "../errors/format.ts";
import type { RequestContext } from "../server/context.ts";

export type ErrorShaper = (error: GraphQLFormattedError, original: unknown, context: RequestContext) => GraphQLFormattedError;

export function createErrorShaper(options: FormatOptions): ErrorShaper {
  const format = createErrorFormatter(options);
  return (error, original, context) => {
    const formatted = format(error, original);
    return { ...formatted, extensions: { ...formatted.extensions, requestId: context.requestId } };
  };
}

/** Shapes a list of errors as an executor returns them (GraphQLError instances or plain formatted errors). */
export function shapeErrors(errors: ReadonlyArray<unknown>, shape: ErrorShaper, context: RequestContext): GraphQLFormattedError[] {
  return errors.map((e) => {
    if (e instanceof GraphQLError) return shape(e.toJSON(), e, context);
    if (typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string") return shape(e as GraphQLFormattedError, e, context);
    return shape({ message: "Internal server error" }, e, context);
  });
}
