/**
 * The supergraph's `@authenticated`/`@requiresScopes`/`@policy` applied at subscribe time, with
 * the same analysis, decisions and patching as queries (auth/): in `reject` mode a subscription
 * touching anything unauthorized is refused whole; in `filter` mode unauthorized nested fields are
 * removed before planning and put back as `null` with one error each in every event. A
 * subscription whose root field itself is unauthorized is refused in both modes: there would be
 * nothing to subscribe to.
 */
import { getVariableValues, type DocumentNode, type FormattedExecutionResult, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { IncomingHttpHeaders } from "node:http";
import type { AuthConfig } from "../config/auth.ts";
import { filterOperation, scanOperation, type FilterResult } from "../auth/analysis.ts";
import { clauseDecider, evaluatePolicies } from "../auth/decisions.ts";
import { applyPatch, unauthorizedErrors } from "../auth/patch.ts";
import { readAuthRequirements, type AuthRequirements } from "../auth/requirements.ts";
import type { Logger } from "../logging/logger.ts";
import type { Principal } from "../server/context.ts";

export interface AuthorizeInput {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Record<string, unknown>;
  readonly principal: Principal;
  readonly headers: IncomingHttpHeaders;
  readonly logger: Logger;
}

export type Authorization =
  | {
      readonly kind: "allowed";
      readonly document: DocumentNode;
      readonly operation: OperationDefinitionNode;
      /** A short tag that differs per filtered shape (part of the plan cache key). */
      readonly shape: string;
      /** Puts the removed fields back into an event; identity when nothing was removed. */
      readonly patch: (result: FormattedExecutionResult) => FormattedExecutionResult;
    }
  | { readonly kind: "refused"; readonly errors: GraphQLFormattedError[] };

export type Authorizer = (input: AuthorizeInput) => Promise<Authorization>;

const unchanged = (result: FormattedExecutionResult) => result;

/** Without an `auth` config nothing is enforced (the gateway warns about it at start). */
export function createAuthorizer(config: AuthConfig | undefined, sdl: () => string | undefined): Authorizer {
  let cached: { sdl: string; requirements: AuthRequirements } | undefined;
  const requirements = (): AuthRequirements | undefined => {
    const current = sdl();
    if (!current) return undefined;
    if (cached?.sdl !== current) cached = { sdl: current, requirements: readAuthRequirements(current) };
    return cached.requirements;
  };

  return async (input) => {
    const allowedAsIs: Authorization = { kind: "allowed", document: input.document, operation: input.operation, shape: "", patch: unchanged };
    const reqs = requirements();
    if (!config || !reqs || reqs.isEmpty) return allowedAsIs;
    const analysis = { schema: input.schema, document: input.document, operation: input.operation, requirements: reqs };
    const scan = scanOperation(analysis);
    if (!scan.protected) return allowedAsIs;
    const { principal, headers, logger } = input;
    const policies = await evaluatePolicies(
      scan.policies,
      config.policies,
      { principal, claims: principal.kind === "user" ? principal.claims : {}, headers, operation: { name: input.operation.name?.value ?? null, type: "subscription" } },
      logger,
    );
    const filter: FilterResult = filterOperation(analysis, clauseDecider(principal, policies));
    if (filter.unchanged) return allowedAsIs;
    const variables = getVariableValues(input.schema, input.operation.variableDefinitions ?? [], input.variables).coerced ?? {};
    const errors = unauthorizedErrors(filter.removed, variables);
    const rootRemoved = filter.removed.some((r) => r.path.length === 1);
    if (config.onUnauthorized === "reject" || !filter.executable || rootRemoved) {
      return { kind: "refused", errors: errors.length > 0 ? errors : [{ message: "Unauthorized field or type", extensions: { code: "UNAUTHORIZED_FIELD_OR_TYPE" } }] };
    }
    return {
      kind: "allowed",
      document: filter.document,
      operation: filter.operation,
      shape: filter.queryHash,
      patch: (result) => {
        const data = applyPatch(result.data as Record<string, unknown> | null | undefined, filter.patch, variables);
        return { ...result, data: data ?? null, errors: [...(result.errors ?? []), ...errors] };
      },
    };
  };
}
