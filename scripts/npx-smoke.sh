#!/usr/bin/env bash
# `npx stream-downloads-mock` as a user runs it: the package packed by `npm pack` (which builds it),
# installed into a scratch project made by `npm init -y`, then run by npx: --version, --help, and
# a server that answers /healthz and the downloads API, and exits 0 on SIGTERM having written
# its coverage report. Run by .ci/run; `npm run test:npx` runs it by hand. Needs the npm registry
# (or a warm npm cache) for the package's dependencies, and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
pid=
cleanup () {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail () { echo "npx-smoke: $*" >&2; [ -f "$work/server.log" ] && cat "$work/server.log" >&2; exit 1; }

# shellcheck source=scripts/scratch-project.sh
. "$root/scripts/scratch-project.sh"
scratch_project "$work"

version=$(node -p "require('$root/package.json').version")
[ "$(npx --no-install stream-downloads-mock --version)" = "$version" ] || fail "--version is not $version"
npx --no-install stream-downloads-mock --help | grep -q -- '--coverage-file' || fail "--help does not list --coverage-file"

# Ctrl-C reaches the whole foreground process group, npm and the server alike: the server runs in
# a group of its own here (setsid), and gets SIGINT as a terminal would send it. (npm does not
# forward a SIGTERM sent to npx alone: see the README's "One line away".)
setsid npx --no-install stream-downloads-mock --port 0 --log-level info --coverage-file "$work/coverage.json" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  grep -q 'is listening' "$work/server.log" && break
  kill -0 "$pid" 2>/dev/null || fail "the server exited before listening"
  sleep 0.1
done
url=$(grep -o '"url":"[^"]*"' "$work/server.log" | head -n 1 | cut -d '"' -f 4)
server=$(grep -o '"pid":[0-9]*' "$work/server.log" | head -n 1 | cut -d : -f 2)
[ -n "$url" ] && [ -n "$server" ] || fail "no url or pid in the log"

curl -fsS "$url/healthz" | grep -q '"status":"ok"' || fail "/healthz"
api="$url/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/stream/9c3f0c4a2a6e4d6fb0a1c2d3e4f50607/downloads"
curl -fsS -X POST "$api" -H 'Authorization: Bearer any-token' | grep -q '"status":"inprogress"' || fail "create a download"
curl -fsS "$url/__mock/coverage" | grep -q '"POST downloads":1' || fail "the coverage report"

kill -INT -- "-$pid"
wait "$pid" || true
pid=
for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server" 2>/dev/null; then kill "$server"; fail "the server outlived Ctrl-C"; fi
grep -q '"signal":"SIGINT"' "$work/server.log" || fail "the server did not close on SIGINT"
grep -q '"requests": 1' "$work/coverage.json" || fail "the coverage file was not written on SIGINT"

# A process manager sends SIGTERM to the process it started: the package's bin, run directly.
rm -f "$work/coverage.json"
./node_modules/.bin/stream-downloads-mock --port 0 --coverage-file "$work/coverage.json" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  grep -q 'is listening' "$work/server.log" && break
  kill -0 "$pid" 2>/dev/null || fail "the bin exited before listening"
  sleep 0.1
done
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" = 0 ] || fail "the bin's exit status is $status after SIGTERM"
grep -q '"format": "stream-downloads-mock/coverage@1"' "$work/coverage.json" || fail "the coverage file was not written on SIGTERM"
echo "npx-smoke: ok (stream-downloads-mock $version from $tarball)"
