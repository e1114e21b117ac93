#!/usr/bin/env bash
# `npm run test:runners`: the vitest and jest helpers, tested with each runner as a user runs
# them. The package packed by `npm pack` and installed in a scratch project (scripts/scratch-project.sh);
# its main entry must load with neither runner installed; then vitest and jest at exact versions
# from the npm registry; the README's files of "Test-runner helpers" (the blocks after a
# `<!-- runner-test: PATH -->` line) written as shown, each test file three times; each runner
# run with three workers; then vitest with the README's globalSetup of its own. Fails if a test
# fails, or if fewer than two workers reported their own account. Run by .ci/run after npm test; not part of npm test. Needs the npm registry (or a warm
# npm cache).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
VITEST_VERSION=${VITEST_VERSION:-5.1.2}
JEST_VERSION=${JEST_VERSION:-30.5.2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail () { echo "runner-test: $*" >&2; exit 1; }

# shellcheck source=scripts/scratch-project.sh
. "$root/scripts/scratch-project.sh"
scratch_project "$work"
project=$PWD

# The main entry and the testcontainers-free subpaths need no runner: vitest and jest are not installed yet.
node --input-type=module -e "const m = await import('stream-downloads-mock'); if (typeof m.startMock !== 'function') process.exit(1)" ||
  fail "the main entry does not load without vitest and jest"
node --input-type=module -e "const m = await import('stream-downloads-mock/jest'); if (typeof m.workerMock !== 'function') process.exit(1)" ||
  fail "stream-downloads-mock/jest does not load without jest"
if node --input-type=module -e "await import('stream-downloads-mock/vitest')" 2>/dev/null; then
  fail "stream-downloads-mock/vitest loaded without vitest installed (it should need its peer)"
fi

npm install --no-audit --no-fund --prefer-offline --loglevel=error --save-exact "vitest@$VITEST_VERSION" "jest@$JEST_VERSION" >/dev/null

# The README's files, as shown.
node --input-type=module - "$root/README.md" "$project" <<'NODE'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
const [readme, project] = process.argv.slice(2)
const found = [...readFileSync(readme, 'utf8').matchAll(/^<!-- runner-test: (\S+) -->\n```\w+\n([\s\S]*?)^```$/gm)]
if (found.length !== 6) throw new Error(`expected 6 runner-test blocks in the README, found ${found.length}`)
for (const [, path, code] of found) {
  const target = join(project, path)
  mkdirSync(dirname(target), { recursive: true })
  writeFileSync(target, code)
  // Each test file three times, so that three workers run at once.
  const copy = /^(.*)\.test\.(ts|js)$/.exec(path)
  if (copy) for (const n of [2, 3]) writeFileSync(join(project, `${copy[1]}-${n}.test.${copy[2]}`), code)
}
NODE

# At least two workers, each on its own account, must have said so.
workers () {
  local accounts
  accounts=$(grep -o 'worker [0-9]* account 7e57acc0[0-9]*: isolated' "$1" | sort -u)
  local distinct
  distinct=$(printf '%s\n' "$accounts" | grep -c . || true)
  printf '%s\n' "$accounts" | sed 's/^/  /'
  [ "$distinct" -ge 2 ] || fail "$2: $distinct distinct worker account(s) reported, expected at least 2"
}

echo "runner-test: vitest $VITEST_VERSION"
(cd "$project/vitest" && NO_COLOR=1 npx --no-install vitest run --maxWorkers 3) >"$work/vitest.log" 2>&1 ||
  { cat "$work/vitest.log" >&2; fail "vitest failed"; }
grep -E 'Test Files|Tests ' "$work/vitest.log" | sed 's/^/  /'
workers "$work/vitest.log" vitest

echo "runner-test: jest $JEST_VERSION"
# A cache of its own: jest runs few fast files in band when its cache holds earlier timings.
(cd "$project/jest" && NODE_OPTIONS=--experimental-vm-modules npx --no-install jest --maxWorkers 3 --cacheDirectory "$work/jest-cache") >"$work/jest.log" 2>&1 ||
  { cat "$work/jest.log" >&2; fail "jest failed"; }
grep -E '^Test Suites|^Tests' "$work/jest.log" | sed 's/^/  /'
workers "$work/jest.log" jest

echo "runner-test: vitest $VITEST_VERSION, with a globalSetup of its own (fixtures, an admin token)"
cp -r "$project/node_modules/stream-downloads-mock/fixtures" "$project/vitest-own/my-fixtures"
cp "$project/vitest/downloads.test.ts" "$project/vitest-own/"
(cd "$project/vitest-own" && NO_COLOR=1 npx --no-install vitest run) >"$work/vitest-own.log" 2>&1 ||
  { cat "$work/vitest-own.log" >&2; fail "vitest with its own globalSetup failed"; }
grep -E 'Test Files|Tests ' "$work/vitest-own.log" | sed 's/^/  /'
echo "runner-test: ok"
