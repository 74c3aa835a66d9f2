/**
 * The documentation page of the REST endpoints (`<basePath>/docs`): one self-contained HTML page
 * that reads `openapi.json` from beside it and lists every endpoint with its parameters, request
 * body and responses, and a curl line to try it. Nothing is loaded from another origin, so it
 * works offline and behind a strict egress policy; values from the document are written with
 * `textContent`, never as HTML.
 */
export function docsPage(basePath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>REST endpoints</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1b1f24; }
  h1 { font-size: 1.5rem; margin-bottom: .25rem; }
  .endpoint { border: 1px solid #d0d7de; border-radius: 6px; margin: 1rem 0; padding: .75rem 1rem; }
  .method { display: inline-block; min-width: 4.5rem; font-weight: 600; font-family: ui-monospace, monospace; }
  .path { font-family: ui-monospace, monospace; }
  table { border-collapse: collapse; margin: .5rem 0; }
  td, th { border: 1px solid #d0d7de; padding: .2rem .5rem; text-align: left; font-size: 14px; }
  pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; font-size: 13px; }
  .muted { color: #57606a; }
</style>
</head>
<body>
<h1>REST endpoints</h1>
<p class="muted">Each endpoint runs a trusted GraphQL operation through the gateway's pipeline (authentication, authorization, cost and rate limits). Machine-readable: <a href="openapi.json">openapi.json</a>.</p>
<main id="endpoints"><p class="muted" id="status">Loading…</p></main>
<script>
(async () => {
  const main = document.getElementById("endpoints");
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  let doc;
  try {
    const response = await fetch("openapi.json");
    doc = await response.json();
  } catch (e) {
    document.getElementById("status").textContent = "Could not read openapi.json: " + e;
    return;
  }
  main.textContent = "";
  const origin = location.origin;
  const base = ${JSON.stringify(basePath)};
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== "object" || !op || !op.responses) continue;
      const box = el("section", undefined, "endpoint");
      box.dataset.endpoint = method.toUpperCase() + " " + path;
      const head = el("h2");
      head.append(el("span", method.toUpperCase(), "method"), el("span", path, "path"));
      box.append(head);
      if (op.summary || op.description) box.append(el("p", op.summary || op.description));
      const params = [...(item.parameters || []), ...(op.parameters || [])];
      if (params.length > 0) {
        const table = el("table");
        const top = el("tr");
        for (const h of ["parameter", "in", "required", "type"]) top.append(el("th", h));
        table.append(top);
        for (const p of params) {
          const row = el("tr");
          row.append(el("td", p.name), el("td", p.in), el("td", p.required ? "yes" : "no"), el("td", JSON.stringify(p.schema || {})));
          table.append(row);
        }
        box.append(table);
      }
      const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
      if (body) box.append(el("p", "Request body (application/json):"), el("pre", JSON.stringify(body.schema, null, 2)));
      const responses = el("table");
      const rtop = el("tr");
      rtop.append(el("th", "status"), el("th", "meaning"));
      responses.append(rtop);
      for (const [status, r] of Object.entries(op.responses)) {
        const row = el("tr");
        row.append(el("td", status), el("td", (r && r.description) || ""));
        responses.append(row);
      }
      box.append(responses);
      const example = "curl -X " + method.toUpperCase() + " '" + origin + path.replace(/[{]([^}]+)[}]/g, "<$1>") + "'" + (body ? " -H 'content-type: application/json' -d '{…}'" : "") + " -H 'authorization: Bearer <token>'";
      box.append(el("pre", example, "curl"));
      main.append(box);
    }
  }
  if (main.children.length === 0) main.append(el("p", "No endpoints under " + base + ".", "muted"));
})();
</script>
</body>
</html>
`;
}
