/**
 * One connector invocation: builds the HTTP request from the connector's templates and the
 * variables, sends it, and maps the answer through the selection. A non-2xx answer becomes a
 * field error carrying a code and the HTTP status (never the body or the URL); an answer that
 * did not come (or a 5xx) is also recorded on the fetch, so the balancer can count it, retry a
 * query on another instance, or eject the instance.
 */
import { GraphQLError } from "graphql";
import type { RequestContext } from "../server/context.ts";
import type { SubgraphFailureKind } from "../subgraph/types.ts";
import { applySelection, type MappingVariables } from "./apply-selection.ts";
import type { ConnectorDefinition, HeaderRule, SourceDefinition } from "./definitions.ts";
import type { RestClient } from "./rest-client.ts";
import { renderTemplate } from "./url-template.ts";

/** An upstream failure seen during a fetch: what the balancer needs to decide retry and ejection. */
export interface UpstreamFailure {
  readonly kind: SubgraphFailureKind;
  readonly status: number | undefined;
}

/** The state of one subgraph fetch executed in-process: its client, caller and failures. */
export interface FetchState {
  readonly subgraph: string;
  readonly source: SourceDefinition;
  readonly client: RestClient;
  /** Headers every call carries (request id, trace context, propagated client headers). */
  readonly baseHeaders: Record<string, string>;
  /**
   * `Bearer <token>` of the verified caller when the subgraph's `forwardIdentity` is on (the data
   * source's rule for every subgraph kind); what a `from: "authorization"` header rule sends.
   */
  readonly identity: string | undefined;
  readonly context: RequestContext | undefined;
  readonly signal: AbortSignal | undefined;
  /** `$config`: the gateway config's `connectors.<subgraph>.config`. */
  readonly config: Record<string, unknown>;
  readonly failures: UpstreamFailure[];
  /** HTTP requests sent in this fetch (a batch counts once). */
  requests: number;
}

/** Visible ASCII, spaces and tabs, and non-ASCII (RFC 9110 field-value); no control characters such as CR or LF. */
const VALID_HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const headerValue = (rule: HeaderRule, vars: MappingVariables, state: FetchState): string | undefined => {
  if ("from" in rule) {
    // The caller's identity comes from the verified principal, as for GraphQL subgraphs and gRPC
    // metadata: never the client's own header, and nothing with forwardIdentity off.
    if (rule.from === "authorization") return state.identity;
    const value = state.context?.headers[rule.from];
    return typeof value === "string" ? value : undefined;
  }
  return renderTemplate(rule.value, vars, (s) => s);
};

function connectorError(
  state: FetchState,
  connector: ConnectorDefinition,
  code: "CONNECTOR_HTTP_ERROR" | "CONNECTOR_BAD_RESPONSE" | "SUBGRAPH_UNAVAILABLE" | "SUBGRAPH_TIMEOUT",
  status: number | undefined,
  mapped: { message?: unknown; extensions?: unknown } = {},
): GraphQLError {
  const what =
    code === "CONNECTOR_HTTP_ERROR"
      ? `answered HTTP ${status}`
      : code === "CONNECTOR_BAD_RESPONSE"
        ? "answered with a body that is not JSON"
        : code === "SUBGRAPH_TIMEOUT"
          ? "did not answer in time"
          : "is unavailable";
  const extra = mapped.extensions && typeof mapped.extensions === "object" && !Array.isArray(mapped.extensions) ? (mapped.extensions as Record<string, unknown>) : {};
  const message = typeof mapped.message === "string" && mapped.message !== "" ? mapped.message : `The ${state.subgraph} service ${what} (connector ${connector.id})`;
  // The mapping may add extensions (and its own code); the status, subgraph and connector are always the gateway's.
  return new GraphQLError(message, {
    extensions: { code, ...extra, subgraph: state.subgraph, connector: connector.id, ...(status !== undefined ? { status } : {}) },
  });
}

/** Sends the connector's request and returns the mapped answer; throws a field error on failure. */
export async function callConnector(state: FetchState, connector: ConnectorDefinition, fieldVars: MappingVariables): Promise<unknown> {
  const vars: MappingVariables = { ...fieldVars, $config: state.config };
  const headers: Record<string, string> = { accept: "application/json", ...state.baseHeaders };
  for (const rule of [...state.source.headers, ...connector.headers]) {
    const value = headerValue(rule, vars, state);
    // A value from an argument may hold anything; one that is not a valid header value is the
    // client's mistake, answered without a call (undici would throw, and it would count against the instance).
    if (value !== undefined && !VALID_HEADER_VALUE.test(value)) {
      throw new GraphQLError(`The value for the ${rule.name} header of connector ${connector.id} is not a valid HTTP header value`, {
        extensions: { code: "BAD_USER_INPUT", connector: connector.id },
      });
    }
    if (value !== undefined && value !== "") headers[rule.name] = value;
  }
  let body: string | undefined;
  if (connector.body) {
    body = JSON.stringify(applySelection(connector.body, null, vars) ?? null);
    headers["content-type"] = "application/json";
  }
  state.requests++;
  const outcome = await state.client.send({ method: connector.method, path: renderTemplate(connector.url, vars), headers, body, signal: state.signal });
  if (outcome.ok) return applySelection(connector.selection, outcome.json, vars);
  if (outcome.status === undefined) {
    state.failures.push({ kind: outcome.kind, status: undefined });
    throw connectorError(state, connector, outcome.kind === "timeout" ? "SUBGRAPH_TIMEOUT" : "SUBGRAPH_UNAVAILABLE", undefined);
  }
  if (outcome.status >= 500) state.failures.push({ kind: "status", status: outcome.status });
  const errors = connector.errors;
  const mapped =
    errors && outcome.json !== undefined
      ? {
          message: errors.message ? applySelection(errors.message, outcome.json, vars) : undefined,
          extensions: errors.extensions ? applySelection(errors.extensions, outcome.json, vars) : undefined,
        }
      : {};
  throw connectorError(state, connector, outcome.invalidBody ? "CONNECTOR_BAD_RESPONSE" : "CONNECTOR_HTTP_ERROR", outcome.status, mapped);
}
