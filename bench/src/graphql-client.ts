/** One GraphQL POST, for probes and the equality check (never under load). */
export interface GraphqlReply {
  status: number;
  bytes: number;
  body: { data?: unknown; errors?: unknown[] } | undefined;
}

export async function postGraphql(url: string, query: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<GraphqlReply> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body: GraphqlReply["body"];
  try {
    body = JSON.parse(text) as GraphqlReply["body"];
  } catch {
    body = undefined;
  }
  return { status: res.status, bytes: Buffer.byteLength(text), body };
}
