/**
 * The offline developer page (`developerPage: graphiql`): GraphiQL, bundled from npm at build
 * time (gateway/developer-page/build.ts, into dist/developer-page/) and served by the gateway
 * itself under `/developer-page/`, so it works without internet access and tells no third
 * party anything. The assets are read once at start; a missing build fails the start with the
 * command that makes it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { LandingPage } from "./landing-page.ts";
import type { RouteHandler } from "./routes.ts";

/** Where the page's assets are served. */
export const DEVELOPER_PAGE_ASSETS = "/developer-page";

const contentTypes: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".ttf": "font/ttf",
  ".txt": "text/plain; charset=utf-8",
};

export interface GraphiqlPage {
  readonly page: LandingPage;
  /** One route per asset, for the gateway port's route table. */
  readonly routes: ReadonlyArray<readonly [string, RouteHandler]>;
}

/** The project root: the nearest directory above this module with a package.json (source and dist alike). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 10 && !existsSync(join(dir, "package.json")); i++) dir = dirname(dir);
  return dir;
}

export function defaultAssetsDir(): string {
  return resolve(projectRoot(), "dist/developer-page");
}

export function graphiqlPage(assetsDir: string = defaultAssetsDir()): GraphiqlPage {
  if (!existsSync(join(assetsDir, "graphiql.js"))) {
    throw new Error(`developerPage "graphiql" needs its assets in ${assetsDir}: run \`npm run build\` (or set developerPage to "sandbox" or "off")`);
  }
  const routes: Array<readonly [string, RouteHandler]> = [];
  for (const name of readdirSync(assetsDir)) {
    const type = contentTypes[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(assetsDir, name));
    const headers = { "content-type": type, "content-length": String(body.length), "cache-control": "public, max-age=3600", "x-content-type-options": "nosniff" };
    routes.push([`${DEVELOPER_PAGE_ASSETS}/${name}`, (req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, headers);
      res.end(req.method === "HEAD" ? undefined : body);
    }]);
  }
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="developer-page-assets" content="${DEVELOPER_PAGE_ASSETS}">
<title>GraphiQL · gateway</title>
<link rel="stylesheet" href="${DEVELOPER_PAGE_ASSETS}/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script type="module" src="${DEVELOPER_PAGE_ASSETS}/graphiql.js"></script>
</body>
</html>
`;
  return { page: async () => html, routes };
}
