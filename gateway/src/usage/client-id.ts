/**
 * The client of a request as it names itself: Apollo's `apollographql-client-name` and
 * `apollographql-client-version` headers (Apollo Client and most GraphOS tooling send them).
 * Clients choose these strings, so they are cut short and stripped of control characters
 * before they are counted, stored or logged.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { ClientId } from "./store.ts";

const maxLength = 64;

export function clientIdFrom(headers: IncomingHttpHeaders): ClientId {
  return { name: clean(headers["apollographql-client-name"]), version: clean(headers["apollographql-client-version"]) };
}

function clean(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return "";
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\t]/g, "").slice(0, maxLength);
}

/** How a client is shown: `web 1.4.2`, `web`, or `(unnamed client)`. */
export const clientLabel = (client: ClientId): string => (client.name ? (client.version ? `${client.name} ${client.version}` : client.name) : "(unnamed client)");
