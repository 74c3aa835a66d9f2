// The GraphiQL developer page, bundled by build.ts into dist/developer-page/ and served by the
// gateway itself (gateway/src/server/graphiql-page.ts): nothing is loaded from another host.
// Plain JavaScript for the browser; it is not part of the TypeScript build.
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";

const assets = document.querySelector('meta[name="developer-page-assets"]').content;

// Monaco's language services run in workers, bundled beside this file.
globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    const name = label === "json" ? "json.worker.js" : label === "graphql" ? "graphql.worker.js" : "editor.worker.js";
    return new Worker(`${assets}/${name}`);
  },
};

// POST with a JSON body: never a CSRF-refused GET. The page is served on the endpoint itself.
const endpoint = location.pathname;
async function fetcher(params, options) {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", ...(options?.headers ?? {}) },
    body: JSON.stringify(params),
  });
  return response.json();
}

// A link may carry the operation to open: /graphql#query=%7B%20__typename%20%7D
const linked = new URLSearchParams(location.hash.slice(1)).get("query");

createRoot(document.getElementById("graphiql")).render(
  createElement(GraphiQL, { fetcher, defaultQuery: "{ __typename }\n", ...(linked ? { initialQuery: linked } : {}) }),
);
