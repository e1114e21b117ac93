import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Errors } from '../domain/errors.js'
import { isCloudflareId } from '../domain/ids.js'
import { FailureResponses, SuccessEnvelopeSchema } from '../schemas/envelope.js'
import {
  AccountPathParamsSchema, DirectUploadBodySchema, DirectUploadResultSchema, UploadHeadersSchema, VideoCopyBodySchema,
  VideoEditBodySchema, VideoListQuerySchema, VideoPathParamsSchema, VideoSchema
} from '../schemas/video.js'
import { noteAccountAnd } from './admission.js'
import type { PathMatch } from './path-table.js'
import { groupAdmission, type SurfaceRoutesOptions } from './routes.js'
import { videoAnswers } from './video-answers.js'
import type { StoreListener } from '../store/download-store.js'
import type { VideoRecord } from '../schemas/store.js'
import { named } from '../plugins/named.js'

/** The video endpoints' paths, at the root (see prefix.ts). */
export const VIDEOS_PATH = '/accounts/:account_id/stream'
export const VIDEO_PATH = `${VIDEOS_PATH}/:identifier`
export const COPY_PATH = `${VIDEOS_PATH}/copy`
export const DIRECT_UPLOAD_PATH = `${VIDEOS_PATH}/direct_upload`
// POST /stream (TUS and basic uploads) is out of scope: it answers 405 (see the README).

const videoResponse = { 200: SuccessEnvelopeSchema(VideoSchema), ...FailureResponses }
const listResponse = Type.Object({
  ...SuccessEnvelopeSchema(Type.Array(VideoSchema)).properties,
  total: Type.Optional(Type.Integer({ description: 'With include_counts: the videos that match' })),
  range: Type.Optional(Type.Integer({ description: 'With include_counts: the videos in this answer' }))
})

/**
 * The Cloudflare Stream video endpoints (list, details, edit, delete, copy, direct upload), on
 * the surface's admission (its order of checks, credentials, Prefer and fault rules, with this
 * group's check of the ids), journal, 405s and envelope (see routes.ts).
 */
const videoRoutes: FastifyPluginAsyncTypebox<SurfaceRoutesOptions> = async (app, options) => {
  // The account's id, and the video's where the path has one.
  app.addHook('onRequest', groupAdmission(app, options, (request, params) => {
    // The router takes a static path beside a video's (`/stream/copy`, `/stream/keys`, ...) with
    // a method that path lacks for a video id: GET /stream/copy is the video path's GET. The
    // surface's path table names the path the url means; that path's methods are the 405's Allow.
    // (Never a video id: a Cloudflare id is 32 hex digits, no static segment is.)
    if (params.identifier !== undefined && !isCloudflareId(params.identifier)) {
      // The routed path is in the table: at worst it is the one found.
      const meant = options.paths.find(request.url) as PathMatch
      if (meant.params.identifier === undefined) {
        noteAccountAnd(request, { account_id: params.account_id }, false)
        throw Errors.methodNotAllowed(request.method, meant.allowed)
      }
    }
    return noteAccountAnd(request, params, true)
  }))

  const answers = videoAnswers(app, { publicUrl: options.publicUrl, autoCreate: options.autoCreate, mediaSize: options.mediaSize })

  // A video that reaches ready or error is announced to its account's webhook, if it has one
  // (issue 13), with the Video object a GET would answer. The events plugin set the store's
  // listener first: it is kept, and told first.
  const events = app.mock.store.listener as StoreListener
  app.mock.store.listener = {
    ...events,
    video: (change) => {
      events.video?.(change)
      // The store announces ready and error alone; the video is in the table, just moved.
      const video = app.mock.store.videoById(change.video) as VideoRecord
      app.mock.webhooks.deliverVideoEvent(change.account, answers.object(webhookBase(), change.video, video))
    }
  }
  /** The base of a delivered video's urls: MOCK_PUBLIC_URL, else the address the server listens on. */
  function webhookBase (): string {
    if (options.publicUrl !== undefined) return options.publicUrl
    const address = app.server.address()
    /* c8 ignore next -- a transition before the server listens (app.inject alone) has no port: the configured one */
    const port = typeof address === 'object' && address !== null ? address.port : app.mock.config.port
    return `http://${app.mock.config.host}:${port}`
  }

  app.get(VIDEOS_PATH, {
    exposeHeadRoute: true,
    schema: {
      summary: 'List videos',
      params: AccountPathParamsSchema,
      querystring: VideoListQuerySchema,
      response: { 200: listResponse, ...FailureResponses }
    }
  }, async (request) => answers.list(request, request.params.account_id, request.query))

  app.get(VIDEO_PATH, {
    exposeHeadRoute: true,
    schema: { summary: 'Retrieve video details', params: VideoPathParamsSchema, response: videoResponse }
  }, async (request) => answers.get(request, request.params.account_id, request.params.identifier))

  app.post(VIDEO_PATH, {
    schema: { summary: 'Edit video details', params: VideoPathParamsSchema, body: VideoEditBodySchema, response: videoResponse }
  }, async (request) => answers.edit(request, request.params.account_id, request.params.identifier, request.body))

  app.delete(VIDEO_PATH, {
    schema: { summary: 'Delete video', params: VideoPathParamsSchema, response: { 200: SuccessEnvelopeSchema(Type.Literal('ok')), ...FailureResponses } }
  }, async (request) => answers.remove(request.params.account_id, request.params.identifier))

  app.post(COPY_PATH, {
    schema: { summary: 'Upload a video from a URL', params: AccountPathParamsSchema, headers: UploadHeadersSchema, body: VideoCopyBodySchema, response: videoResponse }
  }, async (request) => answers.copy(request, request.params.account_id, request.body, request.headers['upload-creator']))

  app.post(DIRECT_UPLOAD_PATH, {
    schema: { summary: 'Reserve a direct creator upload', params: AccountPathParamsSchema, headers: UploadHeadersSchema, body: DirectUploadBodySchema, response: { 200: SuccessEnvelopeSchema(DirectUploadResultSchema), ...FailureResponses } }
  }, async (request) => answers.directUpload(request, request.params.account_id, request.body, request.headers['upload-creator']))
}

export default named('cloudflare-videos', videoRoutes)
