# The gateway's container image: `docker build -t federated-gateway .`
#
# Two stages: `build` installs every dependency (dev ones included) and compiles TypeScript to
# dist/; `runtime` is a slim Node image with the compiled gateway and the production
# dependencies only. It runs as a non-root user, and node is PID 1 (exec-form CMD, no shell in
# between), so the SIGTERM that `docker stop` or Kubernetes sends reaches the gateway, which
# drains in-flight requests for up to server.shutdownGraceMs and exits 0.
#
# Configuration: mount a config file and point GATEWAY_CONFIG at it (deploy/kubernetes/ mounts
# one from a ConfigMap), or set the environment overrides (PORT, HOST, LOG_LEVEL,
# SUPERGRAPH_PATH, REDIS_URL). Without a config file every policy is off.

ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
# Dependencies first, in their own layer, so a source change does not reinstall them. The full
# image has python3, make and g++ for native modules whose prebuilt binary is not available.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gateway/ gateway/
RUN npm run build --silent \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules/ node_modules/
COPY --from=build --chown=node:node /app/dist/ dist/
# The committed supergraph is the default (supergraph.path); deployments mount their own.
COPY --chown=node:node schema/supergraph.graphql schema/supergraph.graphql
# The .proto files its @grpcService directives name, read (relative to /app) when it loads.
COPY --chown=node:node services/routing/routing.proto services/routing/routing.proto
# The node image's unprivileged user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 4000
STOPSIGNAL SIGTERM
# No curl in the slim image: Node's own fetch asks /healthz (the process is alive).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=32", "dist/gateway/src/main.js"]
