import type { FastifyPluginAsync } from 'fastify'
import { Errors } from '../domain/errors.js'
import { apiPath, sendFailure } from '../plugins/envelope.js'
import { wrongMethod } from './admission.js'
import type { PathTable } from './path-table.js'
import { journalAnswer } from './routes.js'
import { named } from '../plugins/named.js'

export interface NotFoundOptions {
  /** The surface's paths and their methods (filled by routes.ts). */
  paths: PathTable
}

/**
 * The app's answer to a request no route takes (the not-found handler of the root; the admin API
 * has its own under /__mock): Cloudflare's "Could not route" envelope. Before it, in this scope's
 * own onRequest hook, a url of one of the surface's paths with a method the path lacks is
 * admitted as the surface's routes are (ids first) and answered 405 with Allow, before its body
 * is read, and journaled like any answer of the surface. The scope registers no route, so its
 * hooks run for unrouted requests alone.
 */
const notFound: FastifyPluginAsync<NotFoundOptions> = async (app, options) => {
  app.addHook('onRequest', wrongMethod(options.paths))
  app.addHook('onResponse', journalAnswer)
  app.setNotFoundHandler((request, reply) => sendFailure(reply, Errors.routeNotFound(apiPath(request.url))))
}

export default named('not-found', notFound)
