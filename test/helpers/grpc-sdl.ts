/** The schema header of a routing-like gRPC subgraph SDL for unit tests: the links, the directive definitions and one `@grpcService`. */
export const grpcSubgraphHeader = (proto = "services/routing/routing.proto") => `
extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective"])
  @link(url: "https://federated-gateway.dev/grpc/v0.1", import: ["@grpcService", "@rpc"])
  @composeDirective(name: "@grpcService")
  @composeDirective(name: "@rpc")
  @grpcService(name: "routing", proto: "${proto}", service: "routing.v1.Routing")
directive @grpcService(name: String!, proto: String!, service: String!) repeatable on SCHEMA
directive @rpc(service: String!, method: String!, key: String, request: String, reply: String, replyKey: String, maxBatch: Int) on FIELD_DEFINITION
type Eta { deliveryId: ID! }
`;
