#!/usr/bin/env bash
# Root only: a real full disk. Mounts a small tmpfs, runs the server with MOCK_DATA_FILE there,
# grows the state over the admin API until writes fail with ENOSPC, then checks that the data
# file still parses, no temporary file is left, the error was logged, and the server still
# answers. Exits 0 on success; exits 0 with a message (skipped) when not root or when mount is
# not available (an unprivileged container). Run: sudo scripts/tmpfs-disk-full.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then echo "tmpfs-disk-full: skipped (needs root to mount a tmpfs)"; exit 0; fi
mnt="$(mktemp -d /tmp/stream-mock-tmpfs.XXXXXX)"
if ! mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
  rmdir "$mnt"; echo "tmpfs-disk-full: skipped (mount is not available here)"; exit 0
fi
log="$(mktemp /tmp/stream-mock-tmpfs-log.XXXXXX)"
pid=""
cleanup () {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  umount "$mnt" 2>/dev/null || true; rmdir "$mnt" 2>/dev/null || true; rm -f "$log"
}
trap cleanup EXIT
fail () { echo "tmpfs-disk-full: FAILED: $*"; echo '--- server log:'; tail -20 "$log"; exit 1; }

data="$mnt/data.json"
MOCK_DATA_FILE="$data" PORT=0 MOCK_TICK_MS=60000 node --import tsx src/server.ts >"$log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 200); do
  url="$(grep -o '"url":"[^"]*"' "$log" | head -1 | sed 's/"url":"//; s/"$//')" || true
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the server did not start"
  sleep 0.1
done
[ -n "$url" ] || fail "the server did not start in 20 s"
echo "tmpfs-disk-full: server at $url, data file on a 256 KiB tmpfs"

account=023e105f4ecef8ad9ca31a8372d0c353
# Videos in batches until the store logs a failed write (the disk is full), at most 2000 batches.
for batch in $(seq 1 2000); do
  videos=""
  for i in $(seq 1 50); do
    id="$(printf 'd15cf011%08x%016x' "$batch" "$i")"
    videos="$videos{\"id\":\"$id\",\"account\":\"$account\",\"downloads\":{\"default\":{\"status\":\"inprogress\",\"percentComplete\":10}}},"
  done
  code="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' \
    --data "{\"videos\":[${videos%,}]}" "$url/__mock/fixtures")"
  [ "$code" = 200 ] || fail "POST /__mock/fixtures answered $code"
  sleep 0.25 # past the flush delay: each batch is one write
  grep -q 'cannot write the data file; serving from memory' "$log" && break
done
grep -q 'cannot write the data file; serving from memory' "$log" || fail "the disk never filled up"
grep 'cannot write the data file' "$log" | head -1 | grep -q 'ENOSPC' || fail "the logged error is not ENOSPC"
echo "tmpfs-disk-full: the disk is full after $batch batches; the write error was logged"

node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$data" || fail "the data file does not parse"
leftover="$(find "$mnt" -name '.*.tmp' | head -1)"
[ -z "$leftover" ] || fail "a temporary file is left: $leftover"
code="$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")"
[ "$code" = 200 ] || fail "/healthz answered $code"
code="$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer t' \
  "$url/client/v4/accounts/$account/stream/$(printf 'd15cf011%08x%016x' 1 1)/downloads")"
[ "$code" = 200 ] || fail "GET downloads answered $code"

# SIGTERM with the disk still full: the last write fails, so exit 1 naming the file.
kill -TERM "$pid"
set +e; wait "$pid"; status=$?; set -e
pid=""
[ "$status" = 1 ] || fail "exit status $status after a failed final write, 1 expected"
grep -q "stream-downloads-mock: $data: cannot write the final state" "$log" || fail "no line naming the file on a failed final write"
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$data" || fail "the data file does not parse after SIGTERM"
echo "tmpfs-disk-full: ok (the file parses, the server answered from memory, exit 1 on the failed final write)"
