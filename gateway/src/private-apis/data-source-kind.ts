/**
 * `GraphQLDataSourceRequestKind` tells a data source whether a fetch serves a client's operation
 * or the gateway's own health check. `@apollo/gateway` passes it in every `process` call but
 * exports only the type, not the enum's value, from its package root, so the value is imported
 * from its compiled file. The contract test (test/unit/private-apis) fails when a release moves it.
 */
export { GraphQLDataSourceRequestKind } from "@apollo/gateway/dist/datasources/types.js";
