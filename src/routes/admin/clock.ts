import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  AccountQuerySchema, AdvanceResultSchema, ClockAdvanceBodySchema, ClockRateBodySchema, ClockViewSchema, OptionalAccountBodySchema, type ClockView
} from '../../schemas/admin.js'
import { FailureResponses, SuccessEnvelopeSchema, ok } from '../../schemas/envelope.js'
import { inline } from '../../plugins/named.js'

const tags = ['clock']
const clockAnswer = { 200: SuccessEnvelopeSchema(ClockViewSchema), ...FailureResponses }

/** Most videos an advance answer lists; past that, list one account's with `account`. */
const MAX_LISTED = 500

/**
 * The virtual clock: show it, freeze and resume it, step it, change its rate; globally or for
 * one account (which then gets a clock of its own, apart from every other account's).
 */
const clockAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const view = (account?: string): ClockView => {
    const own = account !== undefined && app.mock.store.clocks.keyOf(account) === account
    const clock = app.mock.store.clocks.clockOf(account)
    return { scope: own ? 'account' : 'global', ...(account === undefined ? {} : { account }), nowMs: app.mock.store.clocks.read(clock), frozen: clock.frozen, rate: clock.rate, tickMs: app.mock.clock.tickMs, ticking: app.mock.clock.running }
  }

  app.get('/clock', {
    schema: { tags, summary: 'Show a clock', description: 'The global clock, or the clock an account follows (`scope` says whether it has its own).', querystring: AccountQuerySchema, response: clockAnswer }
  }, async (request) => ok(view(request.query.account)))

  app.post('/clock/advance', {
    schema: {
      tags,
      summary: 'Step a clock',
      description: 'Moves mock time on by `ms` at once, frozen or not: the ticks that would have happened are applied, and the answer holds the resulting state (the account\'s videos with `account`; all videos when there are at most 500).',
      body: ClockAdvanceBodySchema,
      response: { 200: SuccessEnvelopeSchema(AdvanceResultSchema), ...FailureResponses }
    }
  }, async (request) => {
    const { ms, account } = request.body
    const transitions = app.mock.clock.advance(ms, account)
    const listed = account !== undefined || app.mock.store.videoCount <= MAX_LISTED
    return ok({ clock: view(account), transitions, ...(listed ? { videos: app.mock.store.listVideos(account) } : {}) })
  })

  app.post('/clock/freeze', {
    schema: { tags, summary: 'Freeze a clock', description: 'The ticker stops moving it; `advance` still does.', body: OptionalAccountBodySchema, response: clockAnswer }
  }, async (request) => {
    app.mock.store.setClock({ frozen: true }, request.body?.account)
    return ok(view(request.body?.account))
  })

  app.post('/clock/resume', {
    schema: { tags, summary: 'Resume a clock', body: OptionalAccountBodySchema, response: clockAnswer }
  }, async (request) => {
    app.mock.store.setClock({ frozen: false }, request.body?.account)
    return ok(view(request.body?.account))
  })

  app.put('/clock/rate', {
    schema: { tags, summary: 'Set a clock\'s rate', description: 'Mock ms per real ms: 10 runs ten times faster than real time.', body: ClockRateBodySchema, response: clockAnswer }
  }, async (request) => {
    app.mock.store.setClock({ rate: request.body.rate }, request.body.account)
    return ok(view(request.body.account))
  })
}

export default inline('admin-clock-routes', clockAdminRoutes)
