# One chat node. Stateless: configure it with CHAT_* variables (see README), run as many as you like.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY gen/package.json gen/
COPY server/package.json server/
COPY client/package.json client/
COPY cli/package.json cli/
COPY desktop/package.json desktop/
COPY bench/package.json bench/
RUN npm ci --omit=dev --workspace server --include-workspace-root=false --no-audit --no-fund
COPY gen/ gen/
COPY server/src/ server/src/
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "server/src/main.ts", "--host", "0.0.0.0", "--port", "8080"]
