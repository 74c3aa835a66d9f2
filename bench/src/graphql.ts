/**
 * graphql as the repo root resolves it. bench/node_modules holds its own copy (a peer of Hive
 * Gateway), and a plain `import "graphql"` from bench/ would pick that one, while
 * @apollo/subgraph and @apollo/composition use the root's: schemas built by one copy fail the
 * other's instanceof checks. Every bench module therefore takes graphql from here.
 */
import { createRequire } from "node:module";

const requireFromRoot = createRequire(new URL("../../package.json", import.meta.url));

export const graphql = requireFromRoot("graphql") as typeof import("graphql");
