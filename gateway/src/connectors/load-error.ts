/**
 * A connector the gateway cannot run, found while loading a supergraph. The message names the
 * directive (`@connect on Query.providerCharge`), the argument and the construct, so the operator
 * knows what to change; the supergraph is refused (at start: the gateway does not start).
 */
export class ConnectorLoadError extends Error {
  override name = "ConnectorLoadError";
}

/** Where a directive sits and which argument is being read, for messages. */
export interface DirectiveSite {
  /** `@connect on Query.providerCharge`, `@source "provider"`. */
  readonly directive: string;
  /** `selection`, `http.GET`, `http.body`. */
  readonly argument: string;
}

export const loadError = (site: DirectiveSite, problem: string): ConnectorLoadError =>
  new ConnectorLoadError(`connectors: ${site.directive}${site.argument ? `, ${site.argument}` : ""}: ${problem}`);
