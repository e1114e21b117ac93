# stream-downloads-mock: a mock of Cloudflare Stream's MP4/M4A downloads API.
#
#   docker build -t stream-downloads-mock .
#   docker run --rm -p 8787:8787 stream-downloads-mock
#
# The API is then at http://127.0.0.1:8787/client/v4 (health: /healthz). Settings come from the
# environment (PORT, HOST, MOCK_FIXTURES, MOCK_DATA_FILE, MOCK_TICK_MS, MOCK_SPEED, MOCK_PUBLIC_URL,
# MOCK_AUTH, MOCK_API_TOKENS, LOG_LEVEL) or from flags appended to the command.

# ---- build: compile TypeScript with the dev dependencies --------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so this layer is reused while only the sources change.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and the compiled output only --------------------------
FROM node:24-bookworm-slim
LABEL org.opencontainers.image.title="stream-downloads-mock" \
      org.opencontainers.image.description="A mock server of Cloudflare Stream's MP4/M4A downloads API, with a progress ticker, fixtures and scenario control, for local development and contract testing." \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# --ignore-scripts: nothing here needs install scripts (and prepack would try to build).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The bundled scenario set and media. To use your own scenarios, mount a folder over
# /app/fixtures (e.g. -v "$PWD/my-fixtures:/app/fixtures:ro"), or mount them elsewhere and set
# MOCK_FIXTURES to that file or folder.
COPY fixtures ./fixtures
COPY assets ./assets
# The dashboard's page, script and styles (served at /__mock/; no build step).
COPY dashboard ./dashboard
COPY schemas ./schemas
COPY contract ./contract
# A writable place for state that should survive restarts: set MOCK_DATA_FILE=/data/state.json
# and mount a volume on /data. Without MOCK_DATA_FILE, state lives in memory.
RUN mkdir -p /data && chown node:node /data
USER node
# Listen on all interfaces, since the port is published from outside the container.
ENV HOST=0.0.0.0 PORT=8787
EXPOSE 8787
# Slim images have no curl: ask node itself. Follows PORT if it is overridden at run time.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, so node is PID 1 and receives SIGTERM from `docker stop`: the server then stops
# its ticker, finishes requests, flushes the store and exits 0.
CMD ["node", "dist/server.js"]
