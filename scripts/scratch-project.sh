# Sourced by scripts/npx-smoke.sh and scripts/runner-test.sh: the package as a user gets it.
# scratch_project WORK packs the package (`npm pack`, whose prepack builds it) into WORK, makes
# WORK/project with `npm init -y`, installs the tarball there, and leaves the shell in it; the
# tarball's file name is in $tarball. Needs the npm registry (or a warm npm cache).
scratch_project () {
  local work=$1
  tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
  mkdir "$work/project"
  cd "$work/project"
  npm init -y >/dev/null
  npm install --no-audit --no-fund --prefer-offline "$work/$tarball" >/dev/null
}
