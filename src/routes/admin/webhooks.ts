import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Errors } from '../../domain/errors.js'
import { CloudflareIdSchema } from '../../schemas/download.js'
import { FailureResponses, SuccessEnvelopeSchema, ok } from '../../schemas/envelope.js'
import { MAX_DELIVERIES, type Delivery } from '../../webhooks/deliveries.js'
import { videoEventObject } from '../../webhooks/video-object.js'
import { inline } from '../../plugins/named.js'

const tags = ['webhooks']

const DeliverySchema = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  account: Type.String(),
  video: Type.String(),
  url: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('dropped')]),
  attempts: Type.Array(Type.Object({
    at: Type.String({ format: 'date-time' }),
    status: Type.Integer({ minimum: 0, description: 'The receiver\'s status; 0: no answer' }),
    durationMs: Type.Number({ minimum: 0 }),
    error: Type.Optional(Type.String()),
    fault: Type.Optional(Type.String({ description: 'The fault rule that acted on the try' })),
    duplicates: Type.Optional(Type.Integer({ minimum: 1, description: 'Copies a fault rule sent after it' }))
  })),
  nextAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the next try is due, while pending' }))
})
const deliveryAnswer = { 200: SuccessEnvelopeSchema(DeliverySchema), ...FailureResponses }
const IdParamsSchema = Type.Object({ id: Type.Integer({ minimum: 1 }) })

/**
 * Webhook deliveries over the admin API: the listing (the last MAX_DELIVERIES), one delivery,
 * a redelivery, and a delivery sent on demand for a video (what a transition to ready or error
 * sends), so a receiver can be tested before the video lifecycle moves.
 */
const webhookAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deliveries = app.mock.webhooks
  const found = (delivery: Delivery | undefined, id: number): Delivery => {
    if (delivery === undefined) throw Errors.targetNotFound(`no webhook delivery ${id}`)
    return delivery
  }

  app.get('/webhooks/deliveries', {
    schema: { tags, summary: 'List webhook deliveries', description: `The last ${MAX_DELIVERIES} deliveries, newest first (of one account with \`account\`), each with its tries: the receiver's status and how long it took.`, querystring: Type.Object({ account: Type.Optional(CloudflareIdSchema) }, { additionalProperties: false }), response: { 200: SuccessEnvelopeSchema(Type.Object({ deliveries: Type.Array(DeliverySchema) })), ...FailureResponses } }
  }, async (request) => ok({ deliveries: deliveries.list(request.query.account) }))

  app.get('/webhooks/deliveries/:id', {
    schema: { tags, summary: 'Show a webhook delivery', params: IdParamsSchema, response: deliveryAnswer }
  }, async (request) => ok(found(deliveries.get(request.params.id), request.params.id)))

  app.post('/webhooks/deliveries/:id/redeliver', {
    schema: { tags, summary: 'Send a delivery again', description: 'A new delivery of the same body, to the account\'s subscription as it is now. 409 when the account has no subscription.', params: IdParamsSchema, response: deliveryAnswer }
  }, async (request) => {
    const { id } = request.params
    const old = found(deliveries.get(id), id)
    const sent = deliveries.redeliver(id)
    if (sent === undefined) throw Errors.boundReached(`account ${old.account} has no webhook subscription (or too many deliveries are pending)`)
    return ok(sent)
  })

  app.post('/webhooks/deliveries', {
    schema: {
      tags,
      summary: 'Send a video\'s webhook now',
      description: 'Sends the webhook a video\'s transition to `ready` (default) or `error` sends, to its account\'s subscription, in the background; answers the pending delivery. 404 for an unknown video, 409 when its account has no subscription.',
      body: Type.Object({ video: CloudflareIdSchema, state: Type.Optional(Type.Union([Type.Literal('ready'), Type.Literal('error')])) }, { additionalProperties: false }),
      response: deliveryAnswer
    }
  }, async (request) => {
    const { video: uid, state = 'ready' } = request.body
    const video = app.mock.store.videoById(uid)
    if (video === undefined) throw Errors.noVideo(uid)
    const at = new Date(app.mock.store.mockWallMs(video.account)).toISOString()
    const sent = deliveries.deliverVideoEvent(video.account, videoEventObject(uid, video, state, at))
    if (sent === undefined) throw Errors.boundReached(`account ${video.account} has no webhook subscription (or too many deliveries are pending)`)
    return ok(sent)
  })
}

export default inline('admin-webhook-routes', webhookAdminRoutes)
