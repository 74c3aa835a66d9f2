/**
 * The one operation pipeline. Every transport (HTTP POST and GET and each batch element, SSE,
 * graphql-ws, REST endpoints) turns its input into an `OperationRequest`, opens a
 * `RequestContext`, and calls `prepare`; queries and mutations then go to `execute`, and
 * subscriptions to the subscription service with what `prepare` returned. `respond` shapes every
 * answer and refusal the same way. A transport adds only what is its own (framing, keep-alive,
 * close codes); no stage imports a transport.
 *
 * The stages, in order, and why each stands where it does:
 *  1. authentication: the caller must be known to be charged (a bad token is a 401 before any
 *     work; an expired one is TOKEN_EXPIRED);
 *  2. admission: the minimum charge, before any work the request causes, so failing requests are
 *     paid for too;
 *  3. persisted operations / safelist: decides which text may run at all;
 *  4. parse: nesting scan, then the token limit while lexing;
 *  5. validate: operation limits (linear, fragments measured once), then graphql-js's rules;
 *  6. operation: the operation to run, and whether this transport may run its type;
 *  7. variables: coerced against their declared types;
 *  8. authorization: may filter the document, so cost prices what will run;
 *  9. cost and rate limits: 429 + Retry-After before any subgraph is called;
 * 10. execution (the caller's next step), then `respond`: settlement, headers, error shaping.
 */
import type { Tracer } from "@opentelemetry/api";
import { getOperationAST, getVariableValues, type DocumentNode, type FormattedExecutionResult, type GraphQLFormattedError, type OperationDefinitionNode } from "graphql";
import type { Authenticate } from "../auth/authenticate.ts";
import type { AuthorizeInput, AuthorizationOutcome, Filtered } from "../auth/authorize-stage.ts";
import type { Charge, LimitsStage } from "../limits/limits-stage.ts";
import type { RequestContext } from "../server/context.ts";
import type { SupergraphSnapshot } from "../supergraph/snapshot.ts";
import { recordOperation } from "../telemetry/request-record.ts";
import type { SourceOutcome } from "../hardening/persisted-stage.ts";
import type { DocumentStage } from "./document-stage.ts";
import type { OperationRequest } from "./operation-request.ts";
import { isRefusal, refuse, refuseAll, type Refusal } from "./refusal.ts";
import { shapeErrors, type ErrorShaper } from "./error-shaping.ts";
import type { SubsequentPayload } from "../executor/run-deferred.ts";
import { inSpan } from "./spans.ts";

export interface PipelineStages {
  snapshot: () => SupergraphSnapshot | undefined;
  /** Absent: every caller is anonymous. */
  authenticate: Authenticate | undefined;
  persisted: (request: OperationRequest) => Promise<SourceOutcome>;
  document: DocumentStage;
  /** Absent without an `auth` config. */
  authorize: ((input: AuthorizeInput) => AuthorizationOutcome | Promise<AuthorizationOutcome>) | undefined;
  /** Absent without a `limits` config. */
  limits: LimitsStage | undefined;
  shapeError: ErrorShaper;
  tracer: Tracer | undefined;
  /** Told of every operation that was executed, once its result is in (usage recording); must not throw. */
  executed?: ((prepared: Prepared, context: RequestContext) => void) | undefined;
  /** Epoch ms (tests inject a clock). */
  now?: () => number;
}

/** An operation every stage admitted, ready to execute. */
export interface Prepared {
  readonly kind: "prepared";
  readonly snapshot: SupergraphSnapshot;
  /** The client's text (after persisted-operation resolution). */
  readonly source: string;
  readonly operationName: string | undefined;
  /** What runs: the client's document, or authorization's filtered copy. */
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly queryHash: string;
  /** The variables as sent (the executor coerces them itself) and coerced (defaults applied, for conditions). */
  readonly variables: Record<string, unknown>;
  readonly coerced: Readonly<Record<string, unknown>>;
  /** Authorization removed something: the answer is completed with its nulls and errors. */
  readonly filtered: Filtered | undefined;
  /**
   * `@defer` is honoured: the client reads incremental delivery and authorization removed nothing
   * (its nulls are put back into one whole answer, so a filtered operation is answered at once).
   */
  readonly incremental: boolean;
}

/** What `prepare` hands back: the operation, or the refusal; the charge either way (settled by `respond`). */
export interface Preparation {
  readonly outcome: Prepared | Refusal;
  readonly charge: Charge | undefined;
}

/** An answer as every transport frames it. */
export interface OperationAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: FormattedExecutionResult;
  /** The answer is a refusal of the request (no execution happened). */
  readonly refused: boolean;
  /** `@defer`red parts after `body` (which then says `hasNext: true`), errors shaped. */
  readonly subsequent?: AsyncIterable<FormattedSubsequentPayload> | undefined;
}

/** A subsequent payload of incremental delivery as the client receives it. */
export interface FormattedSubsequentPayload {
  readonly incremental?: ReadonlyArray<{ data: Record<string, unknown> | null; path: ReadonlyArray<string | number>; label?: string; errors?: GraphQLFormattedError[] }>;
  readonly hasNext: boolean;
}

export interface ExecutionResultLike {
  readonly data?: Record<string, unknown> | null | undefined;
  readonly errors?: ReadonlyArray<unknown> | undefined;
  readonly extensions?: Record<string, unknown> | undefined;
  readonly subsequent?: AsyncIterable<SubsequentPayload> | undefined;
}

export class OperationPipeline {
  private readonly now: () => number;

  constructor(private readonly stages: PipelineStages) {
    this.now = stages.now ?? Date.now;
  }

  async prepare(request: OperationRequest, context: RequestContext): Promise<Preparation> {
    const { stages } = this;
    const snapshot = stages.snapshot();
    if (!snapshot) return { outcome: refuse("SERVICE_UNAVAILABLE", "The supergraph is not loaded yet; retry shortly", {}, { "retry-after": "1" }), charge: undefined };

    // 1. Authentication.
    if (stages.authenticate) {
      const outcome = await stages.authenticate({ authorization: context.authorization });
      if (outcome.kind === "refused") return { outcome: refuse(outcome.code, outcome.message, {}, outcome.headers), charge: undefined };
      context.principal = outcome.principal;
    }
    // A principal outlives one request on a WebSocket: checked again at each operation.
    // expiresAt already includes the clock tolerance (auth/verifier.ts).
    if (context.principal.kind === "user" && context.principal.expiresAt * 1000 <= this.now()) {
      return { outcome: refuse("TOKEN_EXPIRED", "The access token has expired; sign in again or refresh it", {}, { "www-authenticate": 'Bearer error="invalid_token", error_description="token expired"' }), charge: undefined };
    }

    // 2. Admission.
    let charge: Charge | undefined;
    if (stages.limits) {
      const admitted = await stages.limits.admit(context);
      if (isRefusal(admitted)) return { outcome: admitted, charge: undefined };
      charge = admitted;
    }
    const outcome = await this.analyse(request, context, snapshot, charge);
    return { outcome, charge };
  }

  private async analyse(request: OperationRequest, context: RequestContext, snapshot: SupergraphSnapshot, charge: Charge | undefined): Promise<Prepared | Refusal> {
    const { stages } = this;
    // 3. Persisted operations.
    const resolved = await stages.persisted(request);
    if (resolved.kind === "refused") return resolved;
    const source = resolved.source;

    // 4-5. Parse and validate.
    const parsed = inSpan(stages.tracer, "graphql.parse", () => stages.document.parse(source));
    if (parsed.kind === "refused") return parsed;
    const document = parsed.document;
    const invalid = inSpan(stages.tracer, "graphql.validate", () => stages.document.validate(snapshot, document));
    if (invalid) return invalid;

    // 6. The operation, and whether this transport runs its type.
    const operation = getOperationAST(document, request.operationName);
    if (!operation) {
      const count = document.definitions.filter((d) => d.kind === "OperationDefinition").length;
      return request.operationName
        ? refuse("OPERATION_RESOLUTION_FAILURE", `Unknown operation named "${request.operationName}"`)
        : refuse("OPERATION_RESOLUTION_FAILURE", `The document has ${count} operations; name the one to run in "operationName"`);
    }
    recordOperation(context, document, operation, request.variables);
    const misplaced = transportRefusal(request, operation);
    if (misplaced) return misplaced;

    // 7. Variables.
    const coercion = getVariableValues(snapshot.apiSchema, operation.variableDefinitions ?? [], { ...request.variables });
    if (coercion.errors) return refuseAll("BAD_USER_INPUT", coercion.errors.slice(0, 20).map((e) => ({ message: e.message, extensions: { code: "BAD_USER_INPUT" } })));
    const coerced = coercion.coerced;

    // 8. Authorization.
    let filtered: Filtered | undefined;
    if (stages.authorize) {
      const authorized = await stages.authorize({ snapshot, document, operation, source, variables: coerced, principal: context.principal, headers: context.headers, logger: context.logger });
      if (authorized.kind === "refused") return authorized;
      filtered = authorized.filtered;
    }
    const runs = filtered ?? { document, operation, queryHash: "" };

    // 9. Cost and rate limits.
    if (stages.limits && charge) {
      const refused = await stages.limits.price(charge, { schema: snapshot.apiSchema, document: runs.document, operation: runs.operation, variables: coerced, directives: snapshot.costDirectives }, context);
      if (refused) return refused;
    }
    return {
      kind: "prepared",
      snapshot,
      source,
      operationName: request.operationName,
      document: runs.document,
      operation: runs.operation,
      queryHash: filtered ? filtered.queryHash : `${snapshot.hash.slice(0, 16)}:${parsed.hash}`,
      variables: { ...request.variables },
      coerced,
      filtered,
      incremental: request.incremental === true && filtered === undefined,
    };
  }

  /** A subscription the service started: told to `executed` as queries and mutations are when answered. */
  started(prepared: Prepared, context: RequestContext): void {
    this.stages.executed?.(prepared, context);
  }

  /**
   * The answer to one operation: a refusal, or an execution's result completed with the
   * authorization nulls and errors, settled against the limits, every error shaped (codes,
   * masking, the request id).
   */
  async respond(preparation: Preparation, result: ExecutionResultLike | undefined, context: RequestContext): Promise<OperationAnswer> {
    const { outcome, charge } = preparation;
    const headers: Record<string, string> = {};
    let body: FormattedExecutionResult;
    let status = 200;
    if (outcome.kind === "refused") {
      status = outcome.status;
      Object.assign(headers, outcome.headers);
      body = { errors: outcome.errors.map((e) => this.stages.shapeError(e, undefined, context)) };
    } else {
      this.stages.executed?.(outcome, context);
      const filtered = outcome.filtered;
      let data = result?.data;
      if (filtered) data = filtered.patch(data) ?? (data === undefined ? undefined : null);
      const errors: GraphQLFormattedError[] = shapeErrors(result?.errors ?? [], this.stages.shapeError, context);
      if (filtered) errors.push(...filtered.errors.map((e) => this.stages.shapeError(e, undefined, context)));
      body = { ...(errors.length > 0 ? { errors } : {}), ...(data !== undefined ? { data } : {}), ...(result?.extensions ? { extensions: result.extensions } : {}) };
    }
    if (charge && this.stages.limits) {
      const settlement = await this.stages.limits.settle(charge, outcome.kind === "prepared" ? (body.data as Record<string, unknown> | null | undefined) : undefined, context);
      for (const [name, value] of Object.entries(settlement.headers)) if (!(name in headers)) headers[name] = value;
      if (settlement.report) body = { ...body, extensions: { ...body.extensions, cost: settlement.report } };
    }
    const subsequent = outcome.kind === "prepared" && result?.subsequent ? this.shapeSubsequent(result.subsequent, context) : undefined;
    if (subsequent) body = { ...body, hasNext: true } as FormattedExecutionResult;
    return { status, headers, body, refused: outcome.kind === "refused", ...(subsequent ? { subsequent } : {}) };
  }

  /** Deferred parts with every error shaped as the first payload's are. */
  private async *shapeSubsequent(payloads: AsyncIterable<SubsequentPayload>, context: RequestContext): AsyncIterable<FormattedSubsequentPayload> {
    for await (const payload of payloads) {
      if (!payload.incremental) {
        yield { hasNext: payload.hasNext };
        continue;
      }
      const incremental = payload.incremental.map((item) => {
        const errors = item.errors ? shapeErrors(item.errors, this.stages.shapeError, context) : undefined;
        return { data: item.data, path: item.path, ...(item.label !== undefined ? { label: item.label } : {}), ...(errors && errors.length > 0 ? { errors } : {}) };
      });
      yield { incremental, hasNext: payload.hasNext };
    }
  }
}

/** GET runs only queries; plain requests never subscriptions; graphql-ws only subscriptions; SSE queries and subscriptions. */
function transportRefusal(request: OperationRequest, operation: OperationDefinitionNode): Refusal | undefined {
  const type = operation.operation;
  switch (request.transport) {
    case "http-get":
      if (type === "mutation") return refuse("MUTATION_OVER_GET", "Mutations are not run over GET; send them as a POST", {}, { allow: "POST" });
      if (type === "subscription") return subscriptionOverHttp();
      return undefined;
    case "http-post":
    case "rest":
      return type === "subscription" ? subscriptionOverHttp() : undefined;
    case "sse":
      // A query's answer (and its @defer parts) as events. Never a mutation: an event stream may be
      // opened by a GET any page can make (EventSource), and a mutation needs a POST.
      return type === "mutation" ? refuse("MUTATION_OVER_GET", "Mutations are not run over an event stream; send them as a plain POST", {}, { allow: "POST" }) : undefined;
    case "websocket":
      return type === "subscription" ? undefined : refuse("SUBSCRIPTION_ONLY", `Only subscriptions are served here; send a ${type} as a plain POST request`);
  }
}

const subscriptionOverHttp = () =>
  refuse("SUBSCRIPTION_OVER_HTTP", "Subscriptions are served over WebSocket (graphql-ws) or Server-Sent Events (Accept: text/event-stream) at /graphql, not as a plain request");

