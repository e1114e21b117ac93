#!/usr/bin/env bash
# `npm run test:compose`: compose.example.yaml run for real, as the README shows, with Debian's
# docker-compose 1.29 through the project's Podman engine (../shared/container/engine.sh, or
# $ENGINE_SH: a Docker-compatible API, local images only). The mock is built from the
# Dockerfile; the app service starts once the mock is healthy, drives it and must exit 0:
#   docker-compose -f compose.example.yaml up --abort-on-container-exit --exit-code-from app
# with MOCK_HOST_PORT set to a free port (the file publishes the mock there; 8787 may be taken)
# and a project name of its own. Root only, as the engine is (CI runs as root); skips itself
# without root or without the engine script. Installs docker-compose when it is missing. The
# containers and network are removed afterwards; the built image stays, as a build cache.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${ENGINE_SH:-../shared/container/engine.sh}
if [ "$(id -u)" != 0 ] || [ ! -x "$engine" ]; then
  echo "compose-test: skipped (needs root and the engine script $engine)"
  exit 0
fi
if ! command -v docker-compose >/dev/null; then
  apt-get update && apt-get install -y --no-install-recommends docker-compose
fi
eval "$("$engine" start)"
export DOCKER_HOST CONTAINERS_CONF CONTAINERS_STORAGE_CONF BUILDAH_FORMAT
export COMPOSE_PROJECT_NAME=stream-downloads-mock-compose-test
MOCK_HOST_PORT=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })")
export MOCK_HOST_PORT
log=$(mktemp)
cleanup () {
  docker-compose -f compose.example.yaml down --remove-orphans >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT

echo "compose-test: $(docker-compose version --short), mock on host port $MOCK_HOST_PORT"
# The image from the current sources (a build cache makes this quick when they have not changed);
# then the README's command as it is written.
docker-compose -f compose.example.yaml build --quiet mock >"$log" 2>&1 || { cat "$log" >&2; echo "compose-test: the build failed" >&2; exit 1; }
status=0
docker-compose -f compose.example.yaml up --abort-on-container-exit --exit-code-from app >"$log" 2>&1 || status=$?
# Compose colours the service names; the checks read plain text.
sed -i 's/\x1b\[[0-9;]*m//g' "$log"
if [ "$status" != 0 ]; then
  cat "$log" >&2
  echo "compose-test: docker-compose up exited $status" >&2
  exit 1
fi
grep -E '^app_1 +\| ' "$log" | sed 's/^/  /' || true
grep -q 'fetched http://mock:8787/9c3f0c4a2a6e4d6fb0a1c2d3e4f50607/downloads/default.mp4 200 video/mp4' "$log" || {
  cat "$log" >&2; echo "compose-test: the app did not fetch the ready download" >&2; exit 1; }
grep -q 'app_1 exited with code 0' "$log" || { cat "$log" >&2; echo "compose-test: no exit 0 of the app in the log" >&2; exit 1; }
echo "compose-test: ok"
