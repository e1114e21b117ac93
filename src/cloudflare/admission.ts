import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import { isSecret } from '../domain/credentials.js'
import { Errors, type MockError } from '../domain/errors.js'
import { forcedError, preferredStatus, type FaultAction } from '../domain/faults.js'
import { isCloudflareId, isDownloadType } from '../domain/ids.js'
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
}

/**
 * The first of admission's checks, for a request routed or not: notes the request (so refused
 * requests are journaled too) and checks the path's ids and download type, throwing Cloudflare's
 * "Could not route" for a bad one.
 */
function noteAndCheckIds (request: FastifyRequest, params: Record<string, string | undefined>): MockNote {
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
  function admit (request: FastifyRequest): FaultAction | undefined {
    const note = noteAndCheckIds(request, request.params as Record<string, string | undefined>)
    const failure = options.checkCredentials(request.headers)
    if (failure !== undefined) throw failure
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
    const fault = admit(request)
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
    noteAndCheckIds(request, match.params)
    throw Errors.methodNotAllowed(request.method, match.allowed)
  }
}
