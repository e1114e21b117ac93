import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { CreateBodySchema, DownloadsParamsSchema, DownloadsResultSchema, TypedDownloadParamsSchema } from '../schemas/download.js'
import { FailureResponses, SuccessEnvelopeSchema } from '../schemas/envelope.js'
import { downloadAnswers } from './answers.js'
import type { CloudflareSurfaceOptions } from './index.js'
import { groupAdmission } from './routes.js'
import { named } from '../plugins/named.js'

/** The downloads paths, at the root (the paths of Cloudflare's contract; see prefix.ts). */
export const DOWNLOADS_PATH = '/accounts/:account_id/stream/:identifier/downloads'
export const TYPED_PATH = `${DOWNLOADS_PATH}/:download_type`

const downloadsResponse = { 200: SuccessEnvelopeSchema(DownloadsResultSchema), ...FailureResponses }
const deletedResponse = { 200: SuccessEnvelopeSchema(Type.Literal('ok')), ...FailureResponses }

/**
 * The Cloudflare Stream downloads endpoints: list (GET, and HEAD from it), create and delete,
 * untyped (the `default` download) and typed. Registered in the surface's scope (routes.ts), which
 * admits, journals and answers the methods these paths lack.
 */
const downloadsRoutes: FastifyPluginAsyncTypebox<CloudflareSurfaceOptions> = async (app, options) => {
  app.addHook('onRequest', groupAdmission(app, options))
  const answers = downloadAnswers(app, { publicUrl: options.publicUrl, autoCreate: options.autoCreate })

  app.get(DOWNLOADS_PATH, {
    exposeHeadRoute: true,
    schema: { summary: 'List downloads', params: DownloadsParamsSchema, response: downloadsResponse }
  }, (request, reply) => answers.list(request, reply, request.params.account_id, request.params.identifier))

  app.post(DOWNLOADS_PATH, {
    schema: { summary: 'Create the default download', params: DownloadsParamsSchema, body: CreateBodySchema, response: downloadsResponse }
  }, async (request) => answers.create(request, request.params.account_id, request.params.identifier, 'default'))

  app.post(TYPED_PATH, {
    schema: { summary: 'Create a download of a type', params: TypedDownloadParamsSchema, body: CreateBodySchema, response: downloadsResponse }
  }, async (request) => answers.create(request, request.params.account_id, request.params.identifier, request.params.download_type))

  app.delete(DOWNLOADS_PATH, {
    schema: { summary: 'Delete the default download', params: DownloadsParamsSchema, response: deletedResponse }
  }, async (request) => answers.remove(request, request.params.account_id, request.params.identifier, 'default'))

  app.delete(TYPED_PATH, {
    schema: { summary: 'Delete a download of a type', params: TypedDownloadParamsSchema, response: deletedResponse }
  }, async (request) => answers.remove(request, request.params.account_id, request.params.identifier, request.params.download_type))
}

export default named('cloudflare-downloads', downloadsRoutes)
