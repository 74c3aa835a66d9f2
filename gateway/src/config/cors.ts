/**
 * `server.cors`: which browser origins may call the GraphQL path from another site. Empty by
 * default: no CORS headers are sent, so only same-origin pages (Sandbox on the endpoint itself)
 * and non-browser clients can call; a browser app on another origin must be listed.
 */
import { z } from "zod";

/** `"*"`, or `scheme://host[:port]` exactly as a browser sends it in `Origin`: no path, no trailing slash. */
const origin = z
  .string()
  .refine((o) => o === "*" || /^https?:\/\/[^/\s?#]+$/.test(o), {
    message: 'an origin is "*" or "scheme://host[:port]", e.g. "https://app.example.com", with no path or trailing slash',
  })
  .transform((o) => o.toLowerCase());

export const corsConfigSchema = z
  .strictObject({
    /** Origins allowed, exactly, or `"*"` for any origin. */
    origins: z.array(origin).default([]),
    /** Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth). Never with `"*"`. */
    credentials: z.boolean().default(false),
    /** Request headers a page may send, besides the CORS-safelisted ones. */
    allowHeaders: z
      .array(z.string().toLowerCase())
      .default(["content-type", "authorization", "apollo-require-preflight", "x-apollo-operation-name", "x-request-id", "x-cost-report", "traceparent", "tracestate"]),
    /** Response headers a page's script may read. */
    exposeHeaders: z
      .array(z.string().toLowerCase())
      .default(["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]),
    /** How long a browser may cache a preflight answer, in seconds. */
    maxAgeSeconds: z.number().int().min(0).max(86_400).default(600),
  })
  .refine((c) => !(c.credentials && c.origins.includes("*")), {
    message: 'credentials cannot be allowed for every origin ("*"): browsers refuse it; list the origins',
    path: ["credentials"],
  });

export type CorsConfig = z.output<typeof corsConfigSchema>;
