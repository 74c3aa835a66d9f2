/** What the gateway knows of one connector subgraph after loading: its source and its connectors. */
import type { Selection } from "./selection.ts";
import type { Template } from "./url-template.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A header sent to the REST service: a (templated) value, or the client request's header `from`. */
export type HeaderRule = { readonly name: string; readonly value: Template } | { readonly name: string; readonly from: string };

/**
 * `errors: { message, extensions }`: how a non-2xx answer's body becomes the field error's message
 * and extra extensions. Only what these selections pick leaves the service; without them, nothing of the body does.
 */
export interface ErrorMapping {
  readonly message: Selection | undefined;
  readonly extensions: Selection | undefined;
}

export interface SourceDefinition {
  readonly name: string;
  readonly errors: ErrorMapping | undefined;
  /** The default single instance; `subgraphs.<name>.instances` replaces it, as routing_url for GraphQL subgraphs. */
  readonly baseURL: string;
  readonly headers: readonly HeaderRule[];
}

interface ConnectorBase {
  /** `Query.providerCharge`, `ProviderCharge.refunds`, or the type name for a type-level connector. */
  readonly id: string;
  readonly method: HttpMethod;
  readonly url: Template;
  readonly headers: readonly HeaderRule[];
  readonly body: Selection | undefined;
  readonly selection: Selection;
  /** The connector's own error mapping, else its source's. */
  readonly errors: ErrorMapping | undefined;
}

export type ConnectorDefinition =
  /** On a field: a root field (Query, Mutation) reads `$args`; a field of an object type also `$this`. */
  | (ConnectorBase & { readonly kind: "field"; readonly typeName: string; readonly fieldName: string; readonly entity: boolean })
  /**
   * On an entity type: resolves `_entities` for it. With `$batch`, one request per chunk of
   * `maxSize` representations, answers matched by `keyFields`; otherwise one per representation ($this).
   */
  | (ConnectorBase & { readonly kind: "entity"; readonly typeName: string; readonly keyFields: readonly string[]; readonly batch: { readonly maxSize: number } | undefined });

export interface ConnectorGraph {
  /** The subgraph's name in supergraph.yaml (`payment-provider`). */
  readonly name: string;
  /** Its `join__Graph` value (`PAYMENT_PROVIDER`). */
  readonly graph: string;
  readonly source: SourceDefinition;
  readonly connectors: readonly ConnectorDefinition[];
}
