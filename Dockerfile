# otpgate container image. Written to the project's docs (docs/deploy.md); build it with
#   docker build -t otpgate .
# Build stage: compile TypeScript and the native SQLite module, then drop dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: no compiler, no sources, an unprivileged user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    OTPGATE_HOST=0.0.0.0 \
    OTPGATE_PORT=8080 \
    OTPGATE_DATA_DIR=/var/lib/otpgate
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /var/lib/otpgate && chown node:node /var/lib/otpgate
USER node
VOLUME ["/var/lib/otpgate"]
EXPOSE 8080
# Liveness only, on the port the server listens on (OTPGATE_PORT, also when set with docker run -e):
# readiness (/readyz) belongs to the load balancer, so a database outage takes
# instances out of rotation instead of getting them restarted.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.OTPGATE_PORT || 8080) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# OTPGATE_WORKERS > 1 needs PostgreSQL (see docs/deploy.md).
CMD ["sh", "-c", "exec node --enable-source-maps dist/cli.js serve --workers ${OTPGATE_WORKERS:-1}"]
