import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { Errors } from '../domain/errors.js'
import { isCloudflareId } from '../domain/ids.js'
import { apiPath } from '../plugins/envelope.js'
import { recordRequest } from '../plugins/journal.js'
import { FailureEnvelopeSchema, SuccessEnvelopeSchema } from '../schemas/envelope.js'
import {
  AccountPathParamsSchema, DirectUploadBodySchema, DirectUploadResultSchema, UploadHeadersSchema, VideoCopyBodySchema,
  VideoEditBodySchema, VideoListQuerySchema, VideoPathParamsSchema, VideoSchema
} from '../schemas/video.js'
import type { MockNote } from '../types.js'
import { admission } from './admission.js'
import { checkCredentials } from './credentials.js'
import type { CloudflareSurfaceOptions } from './index.js'
import { videoAnswers } from './video-answers.js'

/** The video endpoints' paths, at the root (see prefix.ts), and the methods each has. */
export const VIDEOS_PATH = '/accounts/:account_id/stream'
export const VIDEO_PATH = `${VIDEOS_PATH}/:identifier`
export const COPY_PATH = `${VIDEOS_PATH}/copy`
export const DIRECT_UPLOAD_PATH = `${VIDEOS_PATH}/direct_upload`
export const VIDEO_ALLOWED: { readonly [path: string]: readonly string[] } = {
  // POST /stream (TUS and basic uploads) is out of scope: it answers 405 (see the README).
  [VIDEOS_PATH]: ['GET', 'HEAD'],
  [VIDEO_PATH]: ['GET', 'HEAD', 'POST', 'DELETE'],
  [COPY_PATH]: ['POST'],
  [DIRECT_UPLOAD_PATH]: ['POST']
}

const failures = { '4xx': FailureEnvelopeSchema, '5xx': FailureEnvelopeSchema }
const videoResponse = { 200: SuccessEnvelopeSchema(VideoSchema), ...failures }
const listResponse = Type.Object({
  ...SuccessEnvelopeSchema(Type.Array(VideoSchema)).properties,
  total: Type.Optional(Type.Integer({ description: 'With include_counts: the videos that match' })),
  range: Type.Optional(Type.Integer({ description: 'With include_counts: the videos in this answer' }))
})

/** The video paths' first check: the account id, and the video id where the path has one. */
function videoPathCheck (request: FastifyRequest, note: MockNote): readonly string[] {
  const path = request.routeOptions.url as string
  if (!isCloudflareId(note.account) || (path === VIDEO_PATH && !isCloudflareId(note.video))) {
    throw Errors.routeNotFound(apiPath(request.originalUrl))
  }
  return VIDEO_ALLOWED[path] as readonly string[]
}

/**
 * The Cloudflare Stream video endpoints (list, details, edit, delete, copy, direct upload), on
 * the downloads endpoints' admission (their order of checks, credentials, Prefer and fault
 * rules, with this surface's path check), journal and envelope.
 */
const videoRoutes: FastifyPluginAsyncTypebox<CloudflareSurfaceOptions> = async (app, options) => {
  app.addHook('onRequest', admission(app, {
    checkCredentials: (headers) => checkCredentials(headers, app.mock.config),
    scenarioControl: options.scenarioControl,
    adminToken: options.adminToken,
    checkPath: videoPathCheck
  }))
  app.addHook('onResponse', (request, reply, done) => {
    recordRequest(app, request, reply.statusCode, reply)
    done()
  })

  for (const [url, allowed] of Object.entries(VIDEO_ALLOWED)) {
    app.route({
      method: app.supportedMethods.filter((method) => !allowed.includes(method)),
      url,
      schema: { hide: true },
      /* c8 ignore next 2 -- unreachable: admission answers 405 first; Fastify requires a handler */
      handler: async (request) => { throw Errors.methodNotAllowed(request.method, allowed) }
    })
  }

  const answers = videoAnswers(app, { publicUrl: options.publicUrl, autoCreate: options.autoCreate, mediaSize: options.mediaSize })

  app.get(VIDEOS_PATH, {
    schema: {
      summary: 'List videos',
      params: AccountPathParamsSchema,
      querystring: VideoListQuerySchema,
      response: { 200: listResponse, ...failures }
    }
  }, async (request) => answers.list(request, request.params.account_id, request.query))

  app.get(VIDEO_PATH, {
    schema: { summary: 'Retrieve video details', params: VideoPathParamsSchema, response: videoResponse }
  }, async (request) => answers.get(request, request.params.account_id, request.params.identifier))

  app.post(VIDEO_PATH, {
    schema: { summary: 'Edit video details', params: VideoPathParamsSchema, body: VideoEditBodySchema, response: videoResponse }
  }, async (request) => answers.edit(request, request.params.account_id, request.params.identifier, request.body))

  app.delete(VIDEO_PATH, {
    schema: { summary: 'Delete video', params: VideoPathParamsSchema, response: { 200: SuccessEnvelopeSchema(Type.Literal('ok')), ...failures } }
  }, async (request) => answers.remove(request.params.account_id, request.params.identifier))

  app.post(COPY_PATH, {
    schema: { summary: 'Upload a video from a URL', params: AccountPathParamsSchema, headers: UploadHeadersSchema, body: VideoCopyBodySchema, response: videoResponse }
  }, async (request) => answers.copy(request, request.params.account_id, request.body, request.headers['upload-creator']))

  app.post(DIRECT_UPLOAD_PATH, {
    schema: { summary: 'Reserve a direct creator upload', params: AccountPathParamsSchema, headers: UploadHeadersSchema, body: DirectUploadBodySchema, response: { 200: SuccessEnvelopeSchema(DirectUploadResultSchema), ...failures } }
  }, async (request) => answers.directUpload(request, request.params.account_id, request.body, request.headers['upload-creator']))
}

export default videoRoutes
