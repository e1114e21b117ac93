import type { FastifyPluginAsync, onRequestHookHandler } from 'fastify'
import { Errors } from '../domain/errors.js'
import { apiPath, sendFailure } from '../plugins/envelope.js'
import { wrongMethod } from './admission.js'
import type { PathTable } from './path-table.js'
import { journalAnswer } from './routes.js'
import { named } from '../plugins/named.js'

export interface NotFoundOptions {
  /** The surface's paths and their methods (filled by routes.ts). */
  paths: PathTable
  /** Other scopes' onRequest hooks for their unrouted paths, run first (see CloudflareSurfaceOptions). */
  before: onRequestHookHandler[]
}

/**
 * The app's answer to a request no route takes, its one not-found handler: Cloudflare's "Could
 * not route" envelope. Other scopes answer their own unrouted paths in hooks given to it (the
 * admin API under /__mock), since a not-found handler of their own costs 70 router entries. Before it, in this scope's
 * own onRequest hook, a url of one of the surface's paths with a method the path lacks is
 * admitted as the surface's routes are (ids first) and answered 405 with Allow, before its body
 * is read, and journaled like any answer of the surface. The scope registers no route, so its
 * hooks run for unrouted requests alone.
 */
const notFound: FastifyPluginAsync<NotFoundOptions> = async (app, options) => {
  for (const hook of options.before) app.addHook('onRequest', hook)
  app.addHook('onRequest', wrongMethod(options.paths))
  app.addHook('onResponse', journalAnswer)
  app.setNotFoundHandler((request, reply) => sendFailure(reply, Errors.routeNotFound(apiPath(request.url))))
}

export default named('not-found', notFound)
