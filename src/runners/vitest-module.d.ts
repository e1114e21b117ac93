/**
 * The one vitest function `src/runners/vitest.ts` uses, declared for the type check: vitest is an
 * optional peer dependency, not installed in this project (`npm run test:runners` installs it
 * in a scratch project). Ambient and never emitted, like fastify-augmentation.d.ts: the
 * package's own types mention no vitest type.
 */
declare module 'vitest' {
  /** Vitest's value provided by a globalSetup under `key`, in a worker. */
  export function inject (key: string): unknown
}
