/**
 * Writes deploy/kubernetes/supergraph-configmap.yaml from the committed schema/supergraph.graphql,
 * so the manifests carry the supergraph the gateway is tested with; `--check` fails when it is
 * stale (the Kubernetes test runs the same comparison).
 * Usage: npm run deploy:supergraph [-- --check]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SUPERGRAPH_FILE = resolve(root, "schema/supergraph.graphql");
export const CONFIGMAP_FILE = resolve(root, "deploy/kubernetes/supergraph-configmap.yaml");

/** The ConfigMap's YAML for a supergraph SDL: the SDL as a literal block, byte for byte. */
export function supergraphConfigMap(sdl: string): string {
  const body = sdl.endsWith("\n") ? sdl : `${sdl}\n`;
  const indented = body
    .split("\n")
    .slice(0, -1)
    .map((line) => (line === "" ? "" : `    ${line}`))
    .join("\n");
  return `# Generated from schema/supergraph.graphql by \`npm run deploy:supergraph\`: do not edit.
# Mounted at /etc/gateway/supergraph; the gateway watches the file and swaps in a new valid
# supergraph without a restart. Replace it with your own composition in your deployment.
apiVersion: v1
kind: ConfigMap
metadata:
  name: gateway-supergraph
  labels:
    app.kubernetes.io/name: gateway
    app.kubernetes.io/part-of: federated-gateway
data:
  supergraph.graphql: |
${indented}
`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const expected = supergraphConfigMap(readFileSync(SUPERGRAPH_FILE, "utf8"));
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(CONFIGMAP_FILE, "utf8");
    } catch {
      // missing counts as stale
    }
    if (current !== expected) {
      console.error("deploy/kubernetes/supergraph-configmap.yaml is stale: run `npm run deploy:supergraph`");
      process.exit(1);
    }
  } else {
    writeFileSync(CONFIGMAP_FILE, expected);
    console.log("wrote deploy/kubernetes/supergraph-configmap.yaml");
  }
}
