#!/usr/bin/env node
/**
 * Run by `npm start`'s `prestart`: compiles src/ to dist/ when dist/server.js is missing or older
 * than any source, so `npm start` works on a fresh clone and after edits, without paying for a
 * compile on every start. Plain Node ESM with no dependencies, since it runs before anything is built.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// Paths are taken from this file's location, not the cwd, so it works wherever npm runs it from.
const root = fileURLToPath(new URL('..', import.meta.url))
const output = join(root, 'dist', 'server.js')
const sourceDir = join(root, 'src')
// The compiler settings change the output too, so they count as sources.
const configFiles = ['tsconfig.json', 'tsconfig.build.json'].map((name) => join(root, name))

/** The newest modification time (ms) of any file under a folder, or 0 when it has none. */
function newestUnder (dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(path))
    else if (entry.isFile()) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

/** Why a build is needed, or undefined when dist/ is up to date. */
function staleReason () {
  if (!existsSync(output)) return 'dist/server.js is missing'
  // An installed package ships dist/ without src/: nothing to compile from, so use dist/ as is.
  if (!existsSync(sourceDir)) return undefined
  const built = statSync(output).mtimeMs
  const newestConfig = Math.max(0, ...configFiles.filter((file) => existsSync(file)).map((file) => statSync(file).mtimeMs))
  if (newestUnder(sourceDir) > built) return 'src/ has changed since the last build'
  if (newestConfig > built) return 'tsconfig has changed since the last build'
  return undefined
}

const reason = staleReason()
if (reason === undefined) process.exit(0)

// Run the project's own TypeScript compiler with this same node binary: no shell and no
// npm/npx wrappers, which behave differently across platforms (npm.cmd on Windows).
let tsc
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc')
} catch {
  process.stderr.write(`build-if-needed: ${reason}, but TypeScript is not installed; run \`npm install\` (with dev dependencies) first\n`)
  process.exit(1)
}

process.stderr.write(`build-if-needed: ${reason}; building with tsc -p tsconfig.build.json\n`)
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
if (result.error !== undefined) {
  process.stderr.write(`build-if-needed: cannot run tsc: ${result.error.message}\n`)
  process.exit(1)
}
if (result.status !== 0) {
  process.stderr.write(`build-if-needed: the build failed (tsc exited with ${result.status ?? result.signal}); not starting\n`)
  process.exit(result.status ?? 1)
}
// tsc rewrites every output, so dist/server.js is now newer than the sources.
process.stderr.write('build-if-needed: built dist/\n')
