import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AccountQuerySchema } from '../../schemas/admin.js'
import { FailureResponses, SuccessEnvelopeSchema, ok } from '../../schemas/envelope.js'
import { CoverageClearedSchema, CoverageReportSchema } from '../../schemas/events.js'
import { inline } from '../../plugins/named.js'

/** The coverage report's routes, over `app.mock.coverage`; registered under the admin prefix. */
const coverageAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/coverage', {
    schema: {
      tags: ['coverage'],
      summary: 'What each account\'s clients were shown',
      description: 'Per account: requests by operation (and the operations never called), answers by status, error codes answered, download states shown, faults taken, Retry-After asked and honoured, polls after a video was shown settled. Counted apart from the journal, in bounded counters; a reset keeps them (DELETE clears them).',
      querystring: AccountQuerySchema,
      response: { 200: SuccessEnvelopeSchema(CoverageReportSchema), ...FailureResponses }
    }
  }, async (request) => ok(app.mock.coverage.report(request.query.account)))

  app.delete('/coverage', {
    schema: {
      tags: ['coverage'],
      summary: 'Clear the coverage counters',
      description: 'Of every account, or only `account`\'s.',
      querystring: AccountQuerySchema,
      response: { 200: SuccessEnvelopeSchema(CoverageClearedSchema), ...FailureResponses }
    }
  }, async (request) => ok({ cleared: app.mock.coverage.clear(request.query.account) }))
}

export default inline('admin-coverage-routes', coverageAdminRoutes)
