# syntax=docker/dockerfile:1
# Hive Gateway in front of the four subgraphs, serving the built front ends (web/dist) too.
#   docker build -f deploy/gateway.Dockerfile -t signa-gateway:dev .   (context: repository root)
#
# The committed gateway/supergraph.graphql routes to 127.0.0.1:8101-8104 (what `make dev`
# uses). The build rewrites those routing URLs to the in-cluster names below, which match the
# service names in deploy/compose.yaml and the Services in deploy/k8s/. Override them with
# --build-arg, or mount another supergraph and point SIGNA_SUPERGRAPH at it.

ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app/gateway
COPY gateway/package.json gateway/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# The phone app and the admin web, built from the committed public schema.
FROM ${NODE_IMAGE} AS web
WORKDIR /app/web
COPY web/package.json web/package-lock.json ./
COPY web/shared/package.json shared/
COPY web/phone/package.json phone/
COPY web/admin/package.json admin/
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/ ./
RUN npm run build

FROM ${NODE_IMAGE}
ARG IDENTITY_URL=http://identity:8101/graphql
ARG INTERVENTIONS_URL=http://interventions:8102/graphql
ARG SIGNING_URL=http://signing:8103/graphql
ARG ALARMS_URL=http://alarms:8104/graphql
ENV NODE_ENV=production \
    SIGNA_GATEWAY_HOST=0.0.0.0 \
    SIGNA_GATEWAY_PORT=4000 \
    SIGNA_PRODUCTION=1 \
    SIGNA_WEB_DIR=/app/web \
    LOG_JSON=1
WORKDIR /app/gateway
COPY --from=deps /app/gateway/node_modules ./node_modules
COPY gateway/package.json gateway/gateway.config.ts gateway/web.ts gateway/reports.ts gateway/supergraph.graphql ./
COPY --from=web /app/web/dist /app/web
RUN sed -i \
      -e "s#\"http://127.0.0.1:8101/graphql\"#\"${IDENTITY_URL}\"#" \
      -e "s#\"http://127.0.0.1:8102/graphql\"#\"${INTERVENTIONS_URL}\"#" \
      -e "s#\"http://127.0.0.1:8103/graphql\"#\"${SIGNING_URL}\"#" \
      -e "s#\"http://127.0.0.1:8104/graphql\"#\"${ALARMS_URL}\"#" \
      supergraph.graphql \
 && if grep -q '127\.0\.0\.1' supergraph.graphql; then \
      echo "supergraph.graphql still routes to 127.0.0.1" >&2; exit 1; fi
# The image's unprivileged "node" user (uid 1000).
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SIGNA_GATEWAY_PORT||4000)+'/readiness').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node_modules/.bin/hive-gateway", "supergraph", "-c", "gateway.config.ts"]
