import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { CloudflareIdSchema } from '../../schemas/download.js'
import { FailureResponses, SuccessEnvelopeSchema, ok } from '../../schemas/envelope.js'
import { AccountQuerySchema } from '../../schemas/admin.js'
import { JournalClearedSchema, JournalListSchema, JournalQuerySchema, PollingReportSchema } from '../../schemas/journal.js'
import '../../plugins/journal.js'
import { inline } from '../../plugins/named.js'

const VideoParamsSchema = Type.Object({ video: CloudflareIdSchema })

/**
 * The admin routes of the request journal and the polling report. Needs the journal plugin
 * (`app.mock.journal`); registered under the admin prefix.
 */
const journalAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/journal', {
    schema: {
      tags: ['journal'],
      summary: 'List the request journal',
      description: 'The requests the Cloudflare surface answered (or dropped), oldest first, with redacted credentials. Filter by account and video; `limit` keeps the last N (at most 1000 a page). To read everything, page with `after`: 0 first, then each answer\'s `next` until it is null. The journal keeps a bounded number of entries: the oldest drop first.',
      querystring: JournalQuerySchema,
      response: { 200: SuccessEnvelopeSchema(JournalListSchema), ...FailureResponses }
    }
  }, async (request) => ok({ ...app.mock.journal.page(request.query), size: app.mock.journal.size, limit: app.mock.journal.limit }))

  app.delete('/journal', {
    schema: {
      tags: ['journal'],
      summary: 'Clear the request journal',
      description: 'Removes every entry, or only those of `account`. Entry numbers (`seq`) keep increasing.',
      querystring: AccountQuerySchema,
      response: { 200: SuccessEnvelopeSchema(JournalClearedSchema), ...FailureResponses }
    }
  }, async (request) => ok({ cleared: app.mock.journal.clear(request.query.account) }))

  app.get('/polling/:video', {
    schema: {
      tags: ['journal'],
      summary: 'Report how a client polled a video',
      description: 'Counted as requests on the video are journaled (apart from the journal\'s own bound, so it covers requests the journal has dropped): the 2xx GETs of its downloads list (polls) and the wall time between them, the first poll that showed every download ready or error and the polls after it, and for every answer with Retry-After whether the next request on the video waited that long.',
      params: VideoParamsSchema,
      response: { 200: SuccessEnvelopeSchema(PollingReportSchema), ...FailureResponses }
    }
  }, async (request) => ok(app.mock.journal.polling.report(request.params.video)))
}

export default inline('admin-journal-routes', journalAdminRoutes)
