/**
 * The flags every launcher gives node for the gateway (`npm run gateway`, `npm start`, the
 * Dockerfile's CMD, the benchmark); test/deploy/dockerfile.test.ts holds them equal.
 *
 * `--max-semi-space-size=32` (MB; V8's default is 16): a gateway keeps every in-flight
 * request's parsed subgraph answers alive across its fetches, so with a few dozen requests in
 * flight the young generation is full of live data at each scavenge, which then copies it
 * (and promotes it, for the old-generation collector to sweep later). Doubling the semi-space
 * halves the number of scavenges for about the same live data each: on the benchmark's deep
 * query (50 connections, nothing shared) CPU per request fell from 2.69 to 2.25 ms and p99 from
 * 345 to 258 ms, for 37 MB more peak RSS (271 MB, still below plain @apollo/gateway's 284).
 * V8 sizes the heap when the process starts, so this cannot be set from the config file.
 */
export const gatewayNodeFlags: readonly string[] = ["--max-semi-space-size=32"];
