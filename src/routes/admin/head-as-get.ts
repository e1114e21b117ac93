/**
 * HEAD on the admin API (and its dashboard) is answered as the GET of the same path, with Node
 * dropping the body, rather than by a HEAD route of Fastify's beside every GET route.
 *
 * Why: Fastify adds a HEAD route for each GET route at every build, and a route costs its
 * router entries, compiled matchers, hooks and schemas at every start. The admin API has some
 * twenty GET routes; with Fastify's HEAD routes gone from all routes, a warm build and listen of
 * the app took 0.83-0.85x as long (same process, alternating, medians of 200). The Cloudflare
 * surface, the media urls, `/healthz` and `/openapi.json` keep Fastify's HEAD routes: there HEAD
 * has meaning of its own (the journal, the polling report and the coverage report count it apart
 * from GET; media HEADs are Range- and ETag-aware).
 *
 * How: Node makes a response without a body for a HEAD request when it makes the response, before
 * Fastify routes the request; changing the method afterwards leaves that so. Its `Content-Length`
 * is the GET's, as RFC 9110 asks of a HEAD.
 */
import type { IncomingMessage } from 'node:http'
import { ADMIN_PREFIX } from '../../domain/errors.js'

/** Routes a HEAD under `/__mock` as its GET (see above); any other request is left as it is. */
export function adminHeadAsGet (request: IncomingMessage): void {
  // Node's HTTP server sets the url of every request it parses.
  if (request.method === 'HEAD' && (request.url as string).startsWith(ADMIN_PREFIX)) request.method = 'GET'
}
