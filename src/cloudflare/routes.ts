import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Errors } from '../domain/errors.js'
import { recordRequest } from '../plugins/journal.js'
import { CreateBodySchema, DownloadsParamsSchema, DownloadsResultSchema, TypedDownloadParamsSchema } from '../schemas/download.js'
import { FailureEnvelopeSchema, SuccessEnvelopeSchema } from '../schemas/envelope.js'
import { ALLOWED, DOWNLOADS_PATH, TYPED_PATH, admission } from './admission.js'
import { downloadAnswers } from './answers.js'
import { checkCredentials } from './credentials.js'
import type { CloudflareSurfaceOptions } from './index.js'

const downloadsResponse = {
  200: SuccessEnvelopeSchema(DownloadsResultSchema),
  '4xx': FailureEnvelopeSchema,
  '5xx': FailureEnvelopeSchema
}
const deletedResponse = {
  200: SuccessEnvelopeSchema(Type.Literal('ok')),
  '4xx': FailureEnvelopeSchema,
  '5xx': FailureEnvelopeSchema
}

/** The validator of path parameters: admission has checked them already, with Cloudflare's answers. */
const checkedByAdmission = (): true => true

/**
 * The Cloudflare Stream downloads endpoints: one admission (onRequest), one journal (onResponse),
 * the answers. Failures are answered by the app's error handler (plugins/envelope.ts).
 */
const downloadsRoutes: FastifyPluginAsyncTypebox<CloudflareSurfaceOptions> = async (app, options) => {
  app.addHook('onRequest', admission(app, {
    checkCredentials: (headers) => checkCredentials(headers, app.mock.config),
    scenarioControl: options.scenarioControl,
    adminToken: options.adminToken,
    rateBudget: options.rateBudget,
    enforceRateLimit: options.enforceRateLimit
  }))

  // Every answer of the surface is journaled once, when it has been sent: its status, and the
  // wait it asked for. (A request whose connection a fault rule drops has no answer: the fault
  // journals it, with status 0; a client gone during a fault's delay is not journaled.)
  app.addHook('onResponse', (request, reply, done) => {
    recordRequest(app, request, reply.statusCode, reply)
    done()
  })

  // The path's ids and type are checked by admission, first, as Cloudflare answers a bad one
  // before anything else; the params schemas type the handlers and describe the routes in the
  // OpenAPI document, and would check the same again. The other parts go to the app's validators.
  const appValidator = app.validatorCompiler
  /* c8 ignore next -- the app always sets its validator compiler before registering routes */
  if (appValidator === undefined) throw new Error('the Cloudflare routes need the app\'s validator compiler')
  app.setValidatorCompiler((route) => route.httpPart === 'params' ? checkedByAdmission : appValidator(route))

  // Every other method of each path: admission answers 405 with Allow.
  for (const [url, allowed] of Object.entries(ALLOWED)) {
    app.route({
      method: app.supportedMethods.filter((method) => !allowed.includes(method)),
      url,
      schema: { hide: true },
      /* c8 ignore next 2 -- unreachable: admission answers 405 first; Fastify requires a handler */
      handler: async (request) => { throw Errors.methodNotAllowed(request.method, allowed) }
    })
  }

  const answers = downloadAnswers(app, { publicUrl: options.publicUrl, autoCreate: options.autoCreate })

  app.get(DOWNLOADS_PATH, {
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

export default downloadsRoutes
