import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "pino";
import type { Principal } from "./identity.ts";

/** What every subgraph resolver can rely on; services extend it with their per-request loaders. */
export interface RequestContext {
  requestId: string;
  /** Child logger carrying the request id. */
  logger: Logger;
  principal: Principal;
  /** The raw Authorization header, forwarded when this subgraph calls another one. */
  authorization: string | undefined;
  /** First X-Forwarded-For hop (set by the gateway) or the socket's peer address. */
  clientIp: string;
  headers: IncomingHttpHeaders;
  /** Filled while the request runs; read by the access-log line. */
  info: { operationName?: string };
}
