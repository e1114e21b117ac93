/**
 * The Cloudflare surface's routes, and how a new one joins them.
 *
 * Each group of endpoints is a plugin of plain Fastify routes in a file of its own under
 * src/cloudflare/ (downloads.ts is the model: the paths as in Cloudflare's contract, at the root;
 * a TypeBox schema on every route, params included), registered in `surfaceRoutes` below with
 * one line: `await app.register(xxxRoutes, options)`. That is all a new group needs: inside this
 * scope every route gets, with nothing more to write,
 *
 * - admission (admission.ts): the path's ids, then the credentials and the rate limit, then
 *   `Prefer` and the fault rules, before the body is read. Each group adds it as its first
 *   onRequest hook, `app.addHook('onRequest', groupAdmission(app, options, checkIds?))`, with its
 *   own check of its paths' ids when they are not the downloads paths' (`noteAccountAnd` in
 *   admission.ts serves paths whose identifier is optional or a key's). Admission checks the ids,
 *   so the params validator here is always-true; the params schemas type the handlers and
 *   document the routes;
 * - the journal: one onResponse hook, `journalAnswer`, records every answer once it is sent;
 * - the 405 for every method its path lacks: the onRoute hook files each route's path and method
 *   in the surface's PathTable (path-table.ts), and the not-found handler (not-found.ts) answers
 *   a known path with another method 405, Allow listing the path's methods in the order they were
 *   registered. Register no route for a wrong method: the app's router costs one entry per method
 *   and path (a 405 route per path was 128 of 183 routes, and most of a warm `startMock`).
 *
 * Routes answer envelopes (answers.ts builds them) or throw a MockError from the catalogue
 * (domain/errors.ts); the app's error handler (plugins/envelope.ts) answers what they throw.
 * Both prefixes, `/client/v4` and the root, are served from this one registration (prefix.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, onRequestHookHandler, onResponseHookHandler } from 'fastify'
import { recordRequest } from '../plugins/journal.js'
import { admission, type AdmissionOptions } from './admission.js'
import { checkCredentials } from './credentials.js'
import downloadsRoutes from './downloads.js'
import signedRoutes from './signed-routes.js'
import videoRoutes from './video-routes.js'
import type { CloudflareSurfaceOptions } from './index.js'
import type { PathTable } from './path-table.js'
import { named } from '../plugins/named.js'

export interface SurfaceRoutesOptions extends CloudflareSurfaceOptions {
  /** Filled here with every route's path and methods, for the 405s of the not-found handler. */
  paths: PathTable
}

/** The validator of path parameters: admission has checked them already, with Cloudflare's answers. */
const checkedByAdmission = (): true => true

/**
 * The one place the surface journals, its onResponse hook: every answer to a request admission
 * has noted, once it has been sent, with its status and the wait it asked for. (A request whose
 * connection a fault rule drops has no answer: the fault journals it, with status 0; a client gone
 * during a fault's delay is not journaled.) The not-found handler shares it, for its 405s.
 */
export const journalAnswer: onResponseHookHandler = function (request, reply, done) {
  if (request.mockNote !== undefined) recordRequest(this, request, reply.statusCode, reply)
  done()
}

/**
 * A group's admission hook (add it first thing in the group's plugin): the surface's checks, with
 * the group's own check of its path's ids (default: the downloads paths').
 */
export function groupAdmission (app: FastifyInstance, options: CloudflareSurfaceOptions, checkIds?: AdmissionOptions['checkIds']): onRequestHookHandler {
  return admission(app, {
    checkCredentials: (headers) => checkCredentials(headers, app.mock.config),
    scenarioControl: options.scenarioControl,
    adminToken: options.adminToken,
    rateBudget: options.rateBudget,
    enforceRateLimit: options.enforceRateLimit,
    checkIds
  })
}

/** The scope of the surface's routes: one journal, the path table; then each group of routes, each admitting its requests. */
const surfaceRoutes: FastifyPluginAsyncTypebox<SurfaceRoutesOptions> = async (app, options) => {
  app.addHook('onResponse', journalAnswer)
  app.addHook('onRoute', (route) => { options.paths.add(route.url, route.method) })

  // The path's ids and type are checked by admission, first, as Cloudflare answers a bad one
  // before anything else; the params schemas type the handlers and describe the routes in the
  // OpenAPI document, and would check the same again. The other parts go to the app's validators.
  const appValidator = app.validatorCompiler
  /* c8 ignore next -- the app always sets its validator compiler before registering routes */
  if (appValidator === undefined) throw new Error('the Cloudflare routes need the app\'s validator compiler')
  app.setValidatorCompiler((route) => route.httpPart === 'params' ? checkedByAdmission : appValidator(route))

  await app.register(downloadsRoutes, options)
  await app.register(signedRoutes, options)
  await app.register(videoRoutes, options)
}

export default named('cloudflare-routes', surfaceRoutes)
