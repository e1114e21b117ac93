import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { EVENT_TYPES, type EventFilter, type WaitCondition } from '../../domain/events.js'
import { Errors } from '../../domain/errors.js'
import { FailureResponses, SuccessEnvelopeSchema, ok } from '../../schemas/envelope.js'
import { EventsQuerySchema, WaitQuerySchema, WaitResultSchema } from '../../schemas/events.js'
import { EventStream, gapFrame } from './event-stream.js'
import { inline } from '../../plugins/named.js'

/** The statuses a download's event has. */
const DOWNLOAD_EVENT_STATUSES = ['inprogress', 'ready', 'error', 'deleted']

/** A decimal event id, as a Last-Event-ID header carries one. */
const EVENT_ID = /^\d{1,15}$/

/** The condition in words, for a timeout's message. */
function describe (condition: WaitCondition): string {
  const fields = (['account', 'video', 'type', 'status'] as const).filter((field) => condition[field] !== undefined).map((field) => `${field} ${condition[field] as string}`)
  return `${condition.event} event${fields.length === 0 ? '' : ` with ${fields.join(', ')}`}`
}

/**
 * The event stream (`GET /events`, Server-Sent Events) and the wait-until long poll
 * (`GET /wait`), over the event bus (`app.mock.events`). Registered under the admin prefix, so
 * the admin token guards them as every admin route.
 */
const eventsAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/events', {
    schema: {
      tags: ['events'],
      summary: 'Stream the mock\'s events (Server-Sent Events)',
      description: `Each download transition, clock change and fault taken (and, asked for in \`types\`, each journal entry), as \`text/event-stream\`: \`id\` (increasing), \`event\` (the type), \`data\` (the event as JSON). A client that reconnects with \`Last-Event-ID\` gets the events after it that the last ${app.mock.events.ring.limit} still hold, and a \`gap\` event first when some are gone. At most ${app.mock.events.maxStreams} streams at once (then 409); a heartbeat comment every ${app.mock.events.heartbeatMs / 1000} s.`,
      querystring: EventsQuerySchema,
      produces: ['text/event-stream'],
      response: { 200: Type.String({ description: 'text/event-stream' }), ...FailureResponses }
    }
  }, async (request, reply) => {
    const { account, video, types } = request.query
    const wanted = types?.split(',')
    const unknown = wanted?.find((type) => !(EVENT_TYPES as readonly string[]).includes(type))
    if (unknown !== undefined) throw Errors.invalidInput({ field: 'querystring.types', problem: `unknown event type ${JSON.stringify(unknown.slice(0, 40))}; the types are ${EVENT_TYPES.join(', ')}` })
    // Node joins a repeated header into one string.
    const header = request.headers['last-event-id'] as string | undefined
    if (header !== undefined && !EVENT_ID.test(header)) throw Errors.invalidInput({ field: 'headers.last-event-id', problem: 'must be an event id (a decimal integer)' })
    const lastId = header === undefined ? request.query.lastEventId : Number(header)
    const filter: EventFilter = { ...(account === undefined ? {} : { account }), ...(video === undefined ? {} : { video }), ...(wanted === undefined ? {} : { types: wanted }) }
    const bus = app.mock.events
    const stream: EventStream = new EventStream(reply.raw, filter, bus.heartbeatMs, () => { bus.unsubscribe(stream) })
    const subscribed = bus.subscribe(stream, lastId)
    if (subscribed === false) throw Errors.boundReached(`at most ${bus.maxStreams} event streams are open at once; close one`)
    // From here the answer is the stream's own: Fastify neither serializes nor ends it.
    reply.hijack()
    stream.start()
    const { replay } = subscribed
    if (replay.gap) stream.queue(gapFrame({ reason: 'gone', lastEventId: lastId, oldestId: bus.ring.oldestId ?? null, lastId: bus.ring.lastId, detail: `events after ${lastId as number} are no longer kept (the ring holds the last ${bus.ring.limit}) or were never sent by this server` }))
    for (const event of replay.events) stream.deliver(event)
  })

  app.get('/wait', {
    schema: {
      tags: ['events'],
      summary: 'Wait until a condition holds (long poll)',
      description: 'Answers at once when the condition holds already (a download of the video, of any video of the account, or of any video, in `status`; of `type` when given), else when the first event that meets it comes (`event`, default download.transition), whatever moves it: the ticker, a clock step, a client, the admin API. After `timeout` wall ms without one: 408, code 10408, with `x-should-retry: false`.',
      querystring: WaitQuerySchema,
      response: { 200: SuccessEnvelopeSchema(WaitResultSchema), ...FailureResponses }
    }
  }, async (request, reply) => {
    const { event = 'download.transition', account, video, type, status, timeout = 30_000 } = request.query
    if (event === 'download.transition' && status !== undefined && !DOWNLOAD_EVENT_STATUSES.includes(status)) {
      throw Errors.invalidInput({ field: 'querystring.status', problem: `a download's status is one of ${DOWNLOAD_EVENT_STATUSES.join(', ')} (got ${JSON.stringify(status)})` })
    }
    const condition: WaitCondition = { event, ...(account === undefined ? {} : { account }), ...(video === undefined ? {} : { video }), ...(type === undefined ? {} : { type }), ...(status === undefined ? {} : { status }) }
    const left = new AbortController()
    // `close` before the answer is written: the client is gone.
    reply.raw.on('close', () => { if (!reply.raw.writableEnded) left.abort() })
    const bus = app.mock.events
    const started = Date.now()
    const outcome = await bus.wait(condition, timeout, left.signal)
    if (outcome === undefined) throw Errors.boundReached(`at most ${bus.maxWaiters} waits are waiting at once`)
    switch (outcome.kind) {
      case 'already':
        return ok({ already: true, waitedMs: 0, state: outcome.state })
      case 'event':
        return ok({ already: false, waitedMs: Date.now() - started, event: outcome.event })
      case 'timeout':
        throw Errors.waitTimedOut(timeout, describe(condition))
      case 'closing':
        throw Errors.closing()
      default:
        // The client left: nobody to answer.
        reply.hijack()
        return undefined
    }
  })
}

export default inline('admin-events-routes', eventsAdminRoutes)
