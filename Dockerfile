# bankcore's standalone server. As the original service documented:
#   docker build -t bankcore . && docker run --env-file .env -p 8000:8000 bankcore
# State lives in the /data volume (SQLite, durable). BASE is an argument so a locally built base works where no
# registry is reachable (CI builds one with debootstrap and Node from the npm registry; see scripts/container-check.sh).
ARG BASE=node:24-bookworm-slim

FROM ${BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: nothing here needs a native build (Node 24 has node:sqlite), and mongodb-memory-server's
# would download a mongod.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsup.config.ts ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && npm install --no-save --no-audit --no-fund --ignore-scripts mongodb@7.9.0

FROM ${BASE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 BANK_DATA_DIR=/data
WORKDIR /app
RUN (id node >/dev/null 2>&1 || useradd --system --uid 1000 --user-group --home-dir /app node) \
 && mkdir -p /data && chown node:node /data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/cli.js"]
