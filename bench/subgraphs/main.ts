/**
 * The lean subgraphs' process: `node --import tsx bench/subgraphs/main.ts`. Serves every
 * benchmark subgraph on its own loopback port (port 0, so runs never collide) and an admin
 * port whose GET /counts returns requests per subgraph. Prints one JSON line
 * `{ admin, subgraphs: { <suite>: { <name>: url } } }` once listening; exits on SIGTERM.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { demoSubgraphs } from "./demo.ts";
import { guildSubgraphs } from "./guild.ts";
import { serveSubgraph, type RunningSubgraph } from "./server.ts";

const suites = { guild: guildSubgraphs(), demo: demoSubgraphs() };
const running: { suite: string; sub: RunningSubgraph }[] = [];
for (const [suite, subgraphs] of Object.entries(suites)) {
  for (const subgraph of subgraphs) running.push({ suite, sub: await serveSubgraph(subgraph) });
}

const admin = createServer((req, res) => {
  const counts: Record<string, number> = {};
  for (const { suite, sub } of running) counts[`${suite}/${sub.name}`] = sub.count();
  res.writeHead(req.url === "/counts" ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify(counts));
});
await new Promise<void>((resolve) => admin.listen(0, "127.0.0.1", resolve));

const urls: Record<string, Record<string, string>> = {};
for (const { suite, sub } of running) (urls[suite] ??= {})[sub.name] = sub.url;
process.stdout.write(JSON.stringify({ admin: `http://127.0.0.1:${(admin.address() as AddressInfo).port}`, subgraphs: urls }) + "\n");

const stop = () => {
  admin.close();
  Promise.all(running.map(({ sub }) => sub.close())).finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
