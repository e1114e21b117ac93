/**
 * The mock's additions to Fastify's types, for the mock's own code and tests only. An ambient
 * declaration file: tsconfig.json takes it in, no module imports it, and tsc never emits a
 * `.d.ts` file, so the package's types in dist/ augment nothing, and an app that imports the
 * package keeps its own `FastifyInstance` (its own `config`, even its own `mock`).
 */
import type { MockNote, MockParts } from './types.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Everything the mock adds to its Fastify instance (see MockParts). */
    mock: MockParts
  }
  interface FastifyRequest {
    /** Set by the Cloudflare routes on their requests; undefined elsewhere. */
    mockNote: MockNote | undefined
  }
  interface FastifyContextConfig {
    /**
     * The route reads the fixture files again (reset): a FixtureError then says that they no
     * longer load, a 409, and not that the request is bad, a 400.
     */
    readsFixtureFiles?: boolean
  }
}
