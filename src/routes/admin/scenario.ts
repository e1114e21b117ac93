import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { OptionalAccountBodySchema, DefaultsSchema, FixturesLoadedSchema, ResetResultSchema } from '../../schemas/admin.js'
import { FailureResponses, OpenObjectSchema, SuccessEnvelopeSchema, ok } from '../../schemas/envelope.js'
import { FixtureSchema, ProgressionSettingsSchema } from '../../schemas/fixture.js'
import { checkFixture } from '../../seed/load-fixtures.js'
import { FixtureError } from '../../seed/fixture-error.js'
import { inline } from '../../plugins/named.js'

const FixtureBodySchema = Type.Unknown({ description: 'A fixture document: see schemas/fixture.schema.json' })

const tags = ['scenario']

/** Largest fixture document the admin API loads at once (bytes): room for about 100,000 videos. */
export const FIXTURE_BODY_LIMIT = 32 * 1024 * 1024

/** Whole-scenario operations: reset (all or one account), load a fixture document, the global defaults. */
const scenarioAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/reset', {
    // The fixture files are read again: if they no longer load, the error handler answers 409.
    config: { readsFixtureFiles: true },
    schema: {
      tags,
      summary: 'Reset to the fixtures',
      description: 'The fixture files are read again, so edits made since the start show up; if they no longer load, a 409 names the file and the problem and nothing changes. Without `account`: every video and declared account back to the fixtures (accounts declared over the admin API go away) at mock time 0, the clocks back to one running global clock, default progression, no fault rules, an empty journal. With `account`: only that account\'s videos (at the current mock time) and declaration (the fixture\'s, or none), its own clock, its fault rules and its journal entries, so parallel test workers never see each other\'s reset.',
      body: OptionalAccountBodySchema,
      response: { 200: SuccessEnvelopeSchema(ResetResultSchema), ...FailureResponses }
    }
  }, async (request) => {
    const account = request.body?.account
    await app.mock.store.reset(account)
    app.mock.webhooks.clear(account)
    app.mock.faults.clear(account)
    app.mock.journal.clear(account)
    return ok({ reset: account ?? 'all', videos: app.mock.store.listVideos(account).length })
  })

  app.post('/fixtures', {
    bodyLimit: FIXTURE_BODY_LIMIT,
    schema: {
      tags,
      summary: 'Load a fixture document',
      description: 'A whole fixture document, as in a fixture file (same schema, same validation, same error messages, naming the JSON path). Its accounts are declared (or their settings replaced) and its videos created, or replace those with the same id; other accounts and videos stay.',
      body: FixtureBodySchema,
      response: { 200: SuccessEnvelopeSchema(FixturesLoadedSchema), ...FailureResponses }
    }
  }, async (request) => {
    const document = checkFixture(request.body, 'body')
    // A video id appears once in a document, as across fixture files; checked here so the
    // message names the body and its paths, as the other checks of the document do.
    const seen = new Map<string, number>()
    document.videos.forEach((video, index) => {
      const earlier = seen.get(video.id)
      if (earlier !== undefined) throw new FixtureError('body', `$.videos[${index}].id`, `duplicate video id ${video.id} (already at $.videos[${earlier}])`)
      seen.set(video.id, index)
    })
    const created = app.mock.store.loadDocument(document)
    return ok({ loaded: document.videos.length, created })
  })

  app.get('/fixture-schema.json', {
    schema: { tags, summary: 'The fixture JSON Schema', response: { 200: OpenObjectSchema } }
  }, async () => FixtureSchema)

  app.get('/defaults', {
    schema: { tags, summary: 'Global default progression', description: 'What a created download gets when its video names nothing in `onCreate`.', response: { 200: SuccessEnvelopeSchema(DefaultsSchema) } }
  }, async () => ok(app.mock.store.defaults))

  app.put('/defaults', {
    schema: { tags, summary: 'Set the global default progression', description: 'Fields not given take the configured defaults (MOCK_SPEED). Applies to downloads created from now on.', body: ProgressionSettingsSchema, response: { 200: SuccessEnvelopeSchema(DefaultsSchema), ...FailureResponses } }
  }, async (request) => ok(app.mock.store.setDefaults(request.body)))
}

export default inline('admin-scenario-routes', scenarioAdminRoutes)
