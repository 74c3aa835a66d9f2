// Preloaded into the gateway under bench:memory only (NODE_OPTIONS=--require): SIGUSR2 runs a
// full garbage collection, so heapUsed read right after it is live memory, not garbage.
const { setFlagsFromString } = require("node:v8");
const { runInNewContext } = require("node:vm");
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
process.on("SIGUSR2", () => gc());
