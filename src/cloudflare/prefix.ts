import type { IncomingMessage } from 'node:http'
import { API_PREFIX } from '../domain/errors.js'

/** The start of every prefixed path of the surface. */
const PREFIXED_ACCOUNTS = `${API_PREFIX}/accounts/`
const STREAM = '/stream'

/**
 * Fastify's `rewriteUrl`: clients whose base url is Cloudflare's (`…/client/v4`) and clients that
 * use the bare host name the same routes. Each route is registered once, at the root, with the
 * paths of Cloudflare's contract; a prefixed surface path is mapped onto it before routing.
 * `request.originalUrl` keeps the path as sent: the journal records it, fault rules match it, and
 * error messages echo it (`apiPath` reads the same message from either).
 *
 * Only the surface's own shape is mapped, `/client/v4/accounts/<account>/stream[/…]`, so nothing
 * else under the prefix reaches a route of the root: `/client/v4/healthz`, `/client/v4/__mock/…`
 * and `/client/v4/accounts/downloads/default.mp4` (a media path, once mapped) stay unrouted, as
 * before. A path is mapped at most once, and `//client/v4/…` not at all. Linear in the url.
 */
export function surfaceAtRoot (request: IncomingMessage): string {
  // Node's HTTP server sets the url of every request it parses.
  const url = request.url as string
  if (!url.startsWith(PREFIXED_ACCOUNTS)) return url
  const accountEnd = url.indexOf('/', PREFIXED_ACCOUNTS.length)
  if (accountEnd === -1 || !url.startsWith('/stream', accountEnd)) return url
  // `/stream` itself (the video list), `/stream?…` or `/stream/…`; not `/streams`.
  const after = url.charCodeAt(accountEnd + STREAM.length)
  return Number.isNaN(after) || after === 47 /* / */ || after === 63 /* ? */ ? url.slice(API_PREFIX.length) : url
}
