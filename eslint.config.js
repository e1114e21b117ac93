// Lint and format check: neostandard, Fastify's own style (standard, for TypeScript too: no
// semicolons, a space before a function's parentheses), over everything but what .gitignore
// leaves out (node_modules, dist, .tap, coverage...). `npm run lint`; `npm run lint -- --fix`.
import neostandard, { resolveIgnoresFromGitignore } from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    noJsx: true,
    ignores: resolveIgnoresFromGitignore()
  }),
  {
    rules: {
      // `void promise()` as a statement marks a promise deliberately left unawaited (a flush, a
      // heartbeat, a stop from a timer); as an expression, void is still refused.
      'no-void': ['error', { allowAsStatement: true }]
    }
  }
]
