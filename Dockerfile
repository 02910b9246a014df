# One chat node. Stateless in a cluster: configure it with CHAT_* variables (see README), run as many
# as you like. Alone (no CHAT_SCYLLA_CONTACT_POINTS) it keeps its SQLite store in the /data volume.
# server/test/deploy/dockerfile.spec.ts replays these steps without Docker and starts the result:
# keep to the instructions and RUN commands it understands (it fails on anything else).

# Stage 1: the server's production dependencies. npm needs every workspace's package.json to accept
# the lock file, but installs only what the server workspace needs.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY gen/package.json gen/
COPY protocol/package.json protocol/
COPY server/package.json server/
COPY client/package.json client/
COPY cli/package.json cli/
COPY desktop/package.json desktop/
COPY bench/package.json bench/
COPY bots/package.json bots/
RUN npm ci --omit=dev --workspace server --include-workspace-root=false --no-audit --no-fund

# Stage 2: what the server runs: its dependencies, its source, and the two workspaces it imports
# (gen/: the generated API; protocol/: what server and clients share). No compiler, no tests.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production CHAT_HOST=0.0.0.0 CHAT_PORT=8080 CHAT_DATA_DIR=/data
COPY --from=deps /app/node_modules/ node_modules/
COPY package.json ./
COPY gen/ gen/
COPY protocol/ protocol/
COPY server/package.json server/
COPY server/src/ server/src/
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.CHAT_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "server/src/main.ts"]
