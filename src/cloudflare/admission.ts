import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { isSecret } from '../domain/credentials.js'
import { Errors, type MockError } from '../domain/errors.js'
import { forcedError, preferredStatus, type FaultAction } from '../domain/faults.js'
import { isCloudflareId, isDownloadType } from '../domain/ids.js'
import { rateLimitHeader, type RateBudget } from '../domain/rate-limit.js'
import { apiPath } from '../plugins/envelope.js'
import { applyFault } from '../plugins/faults.js'
import type { MockNote } from '../types.js'

/** The surface's paths, at the root (the paths of Cloudflare's contract; see prefix.ts). */
export const DOWNLOADS_PATH = '/accounts/:account_id/stream/:identifier/downloads'
export const TYPED_PATH = `${DOWNLOADS_PATH}/:download_type`

/** The methods each path has; every other method answers 405. */
export const ALLOWED: { readonly [path: string]: readonly string[] } = {
  [DOWNLOADS_PATH]: ['GET', 'HEAD', 'POST', 'DELETE'],
  [TYPED_PATH]: ['POST', 'DELETE']
}

export interface AdmissionOptions {
  /** The credential check: the error to answer with, or undefined when the credentials pass. */
  checkCredentials: (headers: IncomingHttpHeaders) => MockError | undefined
  /** Honour `Prefer: code=...` and the fault rules (off with MOCK_ADMIN=off). */
  scenarioControl: boolean
  /** MOCK_ADMIN_TOKEN: when set, `Prefer` is honoured only with it in X-Mock-Admin-Token. */
  adminToken?: string
  /**
   * For paths other than the downloads ones (signed-routes.ts): the shape of the request's
   * path, its methods and whether its `identifier` names a video. Their `identifier` is
   * optional, and checked when present.
   */
  shapeOf?: (request: FastifyRequest) => PathShape
  /** The API rate limit's budgets: every request past the credential check is counted. */
  rateBudget?: RateBudget
  /** Past the budget, answer 429 (MOCK_RATE_LIMIT=on); off, only the headers are sent. */
  enforceRateLimit?: boolean
}

/** The longest part of a credential that keys a rate-limit budget (a longer one is cut). */
const RATE_KEY_CREDENTIAL = 128

/** The rate-limit key of a request: its credential (token, or e-mail for key auth) and account. */
function rateKey (request: FastifyRequest, account: string): string {
  const { authorization, 'x-auth-email': email } = request.headers
  const credential = typeof authorization === 'string' ? authorization : typeof email === 'string' ? email : ''
  return `${account} ${credential.slice(0, RATE_KEY_CREDENTIAL)}`
}

/** What admission knows of a path that is not a downloads path. */
export interface PathShape {
  allowed: readonly string[]
  /** The path's `identifier` is a video id (not a signing key's). */
  video: boolean
}

/**
 * The surface's admission, its onRequest hook: every request is checked in Cloudflare's order
 * before its body is read and before anything else happens: the ids and download type of the
 * path, then the method, then the credentials. Then, with scenario control, a `Prefer: code=`
 * forces its answer, or a fault rule acts (a delay, a drop, a forced answer). What it throws is
 * answered by the error handler. It notes the request first, so refused requests are journaled too.
 *
 * The path's ids are checked here, once: the routes' params schemas type the handlers and
 * describe the routes in the OpenAPI document, and are not checked again (see routes.ts).
 */
export function admission (app: FastifyInstance, options: AdmissionOptions): onRequestHookHandler {
  /** The checks, in their order; throws the MockError to answer with. Returns a fault rule's action. */
  function admit (request: FastifyRequest, reply: FastifyReply): FaultAction | undefined {
    const params = request.params as Record<string, string | undefined>
    const account = params.account_id
    const video = params.identifier
    const type = params.download_type
    const shape = options.shapeOf?.(request)
    const note: MockNote = (request.mockNote = { account, video: shape?.video === false ? undefined : video })
    if (!isCloudflareId(account) || ((video !== undefined || shape === undefined) && !isCloudflareId(video)) || (type !== undefined && !isDownloadType(type))) {
      throw Errors.routeNotFound(apiPath(request.originalUrl))
    }
    // The type the request acts on: untyped POST and DELETE act on `default`; a GET on all.
    if (shape === undefined) note.type = type ?? (request.method === 'POST' || request.method === 'DELETE' ? 'default' : undefined)
    // Told apart by their parameters, not by `request.routeOptions`, which builds an object per call.
    const allowed = shape?.allowed ?? (type === undefined ? ALLOWED[DOWNLOADS_PATH] : ALLOWED[TYPED_PATH]) as readonly string[]
    if (!allowed.includes(request.method)) throw Errors.methodNotAllowed(request.method, allowed)
    const failure = options.checkCredentials(request.headers)
    if (failure !== undefined) throw failure
    const budget = options.rateBudget
    if (budget !== undefined) {
      const decision = budget.take(rateKey(request, account as string), Date.now())
      reply.header('ratelimit', rateLimitHeader(decision)).header('ratelimit-policy', budget.policy())
      if (decision.limited && options.enforceRateLimit === true) throw Errors.rateLimited(decision.resetS)
    }
    if (!options.scenarioControl) return undefined
    // Prefer before the fault rules, so a forced answer does not use up a rule's `times`.
    const preferred = preferredStatus(request.headers.prefer)
    if (preferred !== undefined) {
      // With an admin token set, forcing answers is scenario control: it needs the token too.
      if (options.adminToken === undefined || isSecret(request.headers['x-mock-admin-token'], options.adminToken)) {
        note.forced = 'prefer'
        throw forcedError(preferred)
      }
      note.preferIgnored = preferred
    }
    return app.mock.faults.take({ method: request.method, path: request.originalUrl, account, video, type: note.type })?.action
  }

  // A callback hook: only a fault rule (a delay) ever needs to wait, and most requests pass at once.
  return (request, reply, done) => {
    const fault = admit(request, reply)
    if (fault === undefined) return done()
    applyFault(fault, request, reply).then(() => done(), done)
  }
}
