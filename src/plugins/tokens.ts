import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { TokenVerifier } from '../cloudflare/signed-urls.js'
import { addMockPart } from './mock-parts.js'

/** Adds the signed-URL token verifier over the store's keys (`app.mock.tokens`). */
export default fp(async function tokensPlugin (app: FastifyInstance) {
  addMockPart(app, 'tokens', new TokenVerifier(app.mock.store))
}, { name: 'tokens', dependencies: ['store'] })
