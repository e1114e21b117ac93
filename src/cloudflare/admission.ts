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
import type { PathTable } from './path-table.js'

export interface AdmissionOptions {
  /** The credential check: the error to answer with, or undefined when the credentials pass. */
  checkCredentials: (headers: IncomingHttpHeaders) => MockError | undefined
  /** Honour `Prefer: code=...` and the fault rules (off with MOCK_ADMIN=off). */
  scenarioControl: boolean
  /** MOCK_ADMIN_TOKEN: when set, `Prefer` is honoured only with it in X-Mock-Admin-Token. */
  adminToken?: string
  /** The API rate limit's budgets: every request past the credential check is counted. */
  rateBudget?: RateBudget
  /** Past the budget, answer 429 (MOCK_RATE_LIMIT=on); off, only the headers are sent. */
  enforceRateLimit?: boolean
  /**
   * The check of the path's ids, for a group of routes whose paths are not the downloads ones
   * (the signed-URL and webhook paths, the video paths): notes the request and throws "Could not
   * route" for a bad id. Default: `noteAndCheckIds`, the downloads paths' check.
   */
  checkIds?: (request: FastifyRequest, params: Record<string, string | undefined>) => MockNote
}

/** The longest part of a credential that keys a rate-limit budget (a longer one is cut). */
const RATE_KEY_CREDENTIAL = 128

/** The rate-limit key of a request: its credential (token, or e-mail for key auth) and account. */
function rateKey (request: FastifyRequest, account: string): string {
  const { authorization, 'x-auth-email': email } = request.headers
  const credential = typeof authorization === 'string' ? authorization : typeof email === 'string' ? email : ''
  return `${account} ${credential.slice(0, RATE_KEY_CREDENTIAL)}`
}

/**
 * The first of admission's checks, for a request routed or not: notes the request (so refused
 * requests are journaled too) and checks the path's ids and download type, throwing Cloudflare's
 * "Could not route" for a bad one.
 */
export function noteAndCheckIds (request: FastifyRequest, params: Record<string, string | undefined>): MockNote {
  const account = params.account_id
  const video = params.identifier
  const type = params.download_type
  const note: MockNote = (request.mockNote = { account, video })
  if (!isCloudflareId(account) || !isCloudflareId(video) || (type !== undefined && !isDownloadType(type))) {
    throw Errors.routeNotFound(apiPath(request.originalUrl))
  }
  // The type the request acts on: untyped POST and DELETE act on `default`; a GET on all.
  note.type = type ?? (request.method === 'POST' || request.method === 'DELETE' ? 'default' : undefined)
  return note
}

/**
 * The surface's admission, its onRequest hook: every request is checked in Cloudflare's order
 * before its body is read and before anything else happens: the ids and download type of the
 * path, then the method, then the credentials. Then, with scenario control, a `Prefer: code=`
 * forces its answer, or a fault rule acts (a delay, a drop, a forced answer). What it throws is
 * answered by the error handler.
 *
 * A routed request has a method its path has (a route exists for it): a method the path lacks
 * never reaches a route, and `wrongMethod` below answers it from the not-found handler, after
 * the same check of the ids. The path's ids are checked here, once: the routes' params schemas
 * type the handlers and describe the routes in the OpenAPI document, and are not checked again
 * (see routes.ts).
 */
export function admission (app: FastifyInstance, options: AdmissionOptions): onRequestHookHandler {
  /** The checks, in their order; throws the MockError to answer with. Returns a fault rule's action. */
  const checkIds = options.checkIds ?? noteAndCheckIds
  function admit (request: FastifyRequest, reply: FastifyReply): FaultAction | undefined {
    const note = checkIds(request, request.params as Record<string, string | undefined>)
    const failure = options.checkCredentials(request.headers)
    if (failure !== undefined) throw failure
    const budget = options.rateBudget
    if (budget !== undefined) {
      const decision = budget.take(rateKey(request, note.account as string), app.mock.store.wallMs())
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
    return app.mock.faults.take({ method: request.method, path: request.originalUrl, account: note.account, video: note.video, type: note.type })?.action
  }

  // A callback hook: only a fault rule (a delay) ever needs to wait, and most requests pass at once.
  return (request, reply, done) => {
    const fault = admit(request, reply)
    if (fault === undefined) return done()
    applyFault(fault, request, reply).then(() => done(), done)
  }
}

/**
 * Admission of a request that no route takes, the onRequest hook of the not-found handler
 * (not-found.ts): a url of one of the surface's paths with a method the path lacks is checked as
 * a routed request is, ids first, and then answered 405 with the path's methods in Allow, before
 * its body is read. Any other url passes on to the not-found answer, and is not journaled.
 */
export function wrongMethod (paths: PathTable): onRequestHookHandler {
  return (request, _reply, done) => {
    const match = paths.find(request.url)
    if (match === undefined) return done()
    noteIds(request, match.params)
    throw Errors.methodNotAllowed(request.method, match.allowed)
  }
}

/**
 * The check of the ids of any of the surface's paths, for a request no route takes: a path with
 * an identifier is checked as a downloads path is (a signing key's id has the same form), one
 * without as an account's.
 */
function noteIds (request: FastifyRequest, params: Record<string, string | undefined>): MockNote {
  return params.identifier === undefined ? noteAccountAnd(request, params, false) : noteAndCheckIds(request, params)
}

/**
 * Notes a request of a path whose identifier is optional or not a video's (signed-URL, webhook
 * and video paths): the account must be an id, and the identifier, when there is one; it is
 * noted as the video when `identifierIsVideo`.
 */
export function noteAccountAnd (request: FastifyRequest, params: Record<string, string | undefined>, identifierIsVideo: boolean): MockNote {
  const account = params.account_id
  const identifier = params.identifier
  const note: MockNote = (request.mockNote = { account, video: identifierIsVideo ? identifier : undefined })
  if (!isCloudflareId(account) || (identifier !== undefined && !isCloudflareId(identifier))) {
    throw Errors.routeNotFound(apiPath(request.originalUrl))
  }
  return note
}
