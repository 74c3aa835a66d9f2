/**
 * The baseline peer: plain @apollo/gateway on @apollo/server's standalone server, with the
 * default data source, exactly as the docs set it up.
 * `node bench/peers/apollo-gateway.mjs <supergraph file> <port>` (plain JS: no run-time TypeScript loader, like ours, which runs compiled)
 */
import { readFileSync } from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const [supergraphPath, port] = process.argv.slice(2);
if (!supergraphPath || !port) {
  console.error("usage: apollo-gateway.ts <supergraph file> <port>");
  process.exit(2);
}

const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraphPath, "utf8") });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: Number(port), host: "127.0.0.1" } });
console.log(`apollo-gateway peer listening at ${url}`);
