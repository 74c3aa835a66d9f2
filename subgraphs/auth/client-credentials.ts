/**
 * The OAuth 2.0 token endpoint for the client-credentials grant (RFC 6749 §4.4): a service
 * authenticates with its client id and secret (HTTP Basic, or `client_id`/`client_secret` in a
 * form body) and gets a short-lived access token for the scopes it asked for, at most those it
 * was registered with. Wrong secrets are throttled exactly as failed logins are: the same
 * throttle, keyed by client id and address.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestContext } from "../shared/context.ts";
import { readBody, writeJson } from "../shared/http.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import type { ServiceClientRepository } from "./service-clients.ts";

export const TOKEN_PATH = "/oauth/token";

export interface ClientCredentialsOptions {
  clients: ServiceClientRepository;
  issueServiceToken: (clientId: string, scopes: readonly string[]) => Promise<string>;
  throttle: LoginThrottle;
  ttlSeconds: number;
}

/** An RFC 6749 §5.2 error answer. */
type OAuthError = "invalid_request" | "invalid_client" | "unsupported_grant_type" | "invalid_scope";

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

function refuse(res: ServerResponse, error: OAuthError, description: string): void {
  const status = error === "invalid_client" ? 401 : 400;
  const challenge: Record<string, string> = error === "invalid_client" ? { "www-authenticate": 'Basic realm="auth", charset="UTF-8"' } : {};
  writeJson(res, status, { error, error_description: description }, { ...NO_STORE, ...challenge });
}

/** The form (or JSON) body's fields as strings; anything else counts as absent. */
async function readForm(req: IncomingMessage): Promise<Map<string, string>> {
  const body = await readBody(req, 16 * 1024);
  const fields = new Map<string, string>();
  if (typeof body === "string") {
    for (const [name, value] of new URLSearchParams(body)) if (!fields.has(name)) fields.set(name, value);
  } else if (body && typeof body === "object") {
    for (const [name, value] of Object.entries(body)) if (typeof value === "string") fields.set(name, value);
  }
  return fields;
}

/** Credentials from `Authorization: Basic` (form-encoded id and secret, §2.3.1) or the body. */
function credentials(req: IncomingMessage, form: Map<string, string>): { clientId: string; secret: string } | undefined {
  const match = req.headers.authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (match) {
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 1) return undefined;
    try {
      return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
    } catch {
      return undefined;
    }
  }
  const clientId = form.get("client_id");
  const secret = form.get("client_secret");
  return clientId && secret ? { clientId, secret } : undefined;
}

export function createTokenEndpoint({ clients, issueServiceToken, throttle, ttlSeconds }: ClientCredentialsOptions) {
  return async (req: IncomingMessage, res: ServerResponse, context: RequestContext): Promise<void> => {
    const form = await readForm(req);
    const grantType = form.get("grant_type");
    if (!grantType) return refuse(res, "invalid_request", "grant_type is required");
    if (grantType !== "client_credentials") return refuse(res, "unsupported_grant_type", "Only the client_credentials grant is supported");
    const given = credentials(req, form);
    if (!given) return refuse(res, "invalid_client", "Client authentication is required");

    const throttleKey = `client:${given.clientId}|${context.clientIp}`;
    await throttle.wait(throttleKey);
    const client = await clients.authenticate(given.clientId, given.secret);
    if (!client) {
      throttle.recordFailure(throttleKey);
      // The same answer for an unknown client and a wrong secret.
      context.logger.warn({ clientId: given.clientId }, "client authentication failed");
      return refuse(res, "invalid_client", "Invalid client id or secret");
    }
    throttle.reset(throttleKey);

    const requested = form.get("scope")?.split(" ").filter(Boolean);
    const scopes = requested ?? client.scopes;
    const unknown = scopes.filter((scope) => !client.scopes.includes(scope));
    if (unknown.length > 0) return refuse(res, "invalid_scope", `This client may not request ${unknown.join(" ")}`);

    const token = await issueServiceToken(client.clientId, scopes);
    context.logger.info({ clientId: client.clientId, scope: scopes.join(" ") }, "service token issued");
    writeJson(res, 200, { access_token: token, token_type: "Bearer", expires_in: ttlSeconds, scope: scopes.join(" ") }, NO_STORE);
  };
}
