/**
 * The TypeScript loader of the tests (tap's `type-strip-only` with this as a `node-arg` import,
 * see .taprc): Node's own type stripping, which replaces types with spaces, so every byte of code
 * stays where it is in the .ts file and V8 coverage maps back to it exactly, without source maps.
 * A test file that builds an app takes less than half the CPU it took under tap's ts-node, which
 * loads the TypeScript compiler in every test file and every server child. (tsx costs about as
 * much as this, but its output has no whitespace, and V8's ranges over one-line files map back as
 * 100 % whatever ran.)
 *
 * Two things Node's stripping does not do, done here by synchronous in-thread hooks:
 * - `./x.js` imported by a project .ts file resolves to `./x.ts` (the sources use the `.js`
 *   specifiers that `tsc` wants);
 * - a file using syntax that stripping cannot erase (a constructor's parameter properties) is
 *   transformed instead, with an inline source map that coverage follows.
 * Children started with `process.execArgv` (test/helpers/child-server.ts) get the same loader.
 * Needs Node 22.15 or later (`module.registerHooks`); on Node 22, tap adds --experimental-strip-types.
 */
import { existsSync } from 'node:fs'
import { registerHooks, stripTypeScriptTypes } from 'node:module'

const TS = /\.[cm]?ts$/

/** A file of the project, not of a dependency. */
const own = (url) => url.startsWith('file:') && !url.includes('/node_modules/')

/**
 * `fn()` without the "stripTypeScriptTypes is an experimental feature" warning it prints once per
 * process (the same stripping as Node's own, which is not experimental): the server children's
 * stderr is checked to be empty.
 */
function quietly (fn) {
  const emitWarning = process.emitWarning
  process.emitWarning = () => {}
  try {
    return fn()
  } finally {
    process.emitWarning = emitWarning
  }
}

registerHooks({
  resolve (specifier, context, nextResolve) {
    const parent = context.parentURL
    if (parent !== undefined && own(parent) && TS.test(new URL(parent).pathname) &&
        specifier.startsWith('.') && /\.[cm]?js$/.test(specifier)) {
      const ts = new URL(specifier.replace(/js$/, 'ts'), parent)
      if (existsSync(ts)) return nextResolve(ts.href, context)
    }
    return nextResolve(specifier, context)
  },
  load (url, context, nextLoad) {
    const loaded = nextLoad(url, context)
    if (!loaded.format?.endsWith('-typescript') || !own(url)) return loaded
    const code = String(loaded.source)
    const format = loaded.format.replace('-typescript', '')
    return quietly(() => {
      try {
        return { format, source: stripTypeScriptTypes(code, { mode: 'strip' }), shortCircuit: true }
      } catch (error) {
        if (error?.code !== 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') throw error
        return { format, source: stripTypeScriptTypes(code, { mode: 'transform', sourceMap: true, sourceUrl: url }), shortCircuit: true }
      }
    })
  }
})
