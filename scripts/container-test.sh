#!/usr/bin/env bash
# `npm run test:container`: StreamDownloadsMockContainer against a real container engine. Starts
# the project's engine (../shared/container/engine.sh, or $ENGINE_SH: Podman with a Docker API,
# local images only, Ryuk off), builds the image from the Dockerfile as stream-downloads-mock:test,
# and runs scripts/container-check.ts. Root only, as the engine is (CI runs as root); skips itself
# without root or without the engine script. .ci/run runs it after npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${ENGINE_SH:-../shared/container/engine.sh}
if [ "$(id -u)" != 0 ] || [ ! -x "$engine" ]; then
  echo "container-test: skipped (needs root and the engine script $engine)"
  exit 0
fi
eval "$("$engine" start)"
export DOCKER_HOST TESTCONTAINERS_RYUK_DISABLED TESTCONTAINERS_HOST_OVERRIDE
podman build --quiet -t stream-downloads-mock:test . >/dev/null
MOCK_IMAGE=stream-downloads-mock:test node --import tsx scripts/container-check.ts
