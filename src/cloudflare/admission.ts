import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import { isSecret } from '../domain/credentials.js'
import { Errors, type MockError } from '../domain/errors.js'
import { forcedError, preferredStatus, type FaultAction } from '../domain/faults.js'
import { isCloudflareId, isDownloadType } from '../domain/ids.js'
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
   * The first check, of the path: throws Cloudflare's routing error for a bad one, notes it, and
   * answers the methods the path has. Default: the downloads paths' (ids and download type).
   */
  checkPath?: PathCheck
}

/** Checks a request's path parameters (see AdmissionOptions.checkPath); answers the path's methods. */
export type PathCheck = (request: FastifyRequest, note: MockNote) => readonly string[]

/** The downloads paths' check: account and video ids, and the download type. */
function downloadsPathCheck (request: FastifyRequest, note: MockNote): readonly string[] {
  const params = request.params as Record<string, string | undefined>
  const type = params.download_type
  if (!isCloudflareId(note.account) || !isCloudflareId(note.video) || (type !== undefined && !isDownloadType(type))) {
    throw Errors.routeNotFound(apiPath(request.originalUrl))
  }
  // The type the request acts on: untyped POST and DELETE act on `default`; a GET on all.
  note.type = type ?? (request.method === 'POST' || request.method === 'DELETE' ? 'default' : undefined)
  // Told apart by their parameters, not by `request.routeOptions`, which builds an object per call.
  return (type === undefined ? ALLOWED[DOWNLOADS_PATH] : ALLOWED[TYPED_PATH]) as readonly string[]
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
  const checkPath = options.checkPath ?? downloadsPathCheck
  /** The checks, in their order; throws the MockError to answer with. Returns a fault rule's action. */
  function admit (request: FastifyRequest): FaultAction | undefined {
    const params = request.params as Record<string, string | undefined>
    const account = params.account_id
    const video = params.identifier
    const note: MockNote = (request.mockNote = { account, video })
    const allowed = checkPath(request, note)
    if (!allowed.includes(request.method)) throw Errors.methodNotAllowed(request.method, allowed)
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
    return app.mock.faults.take({ method: request.method, path: request.originalUrl, account, video: note.video, type: note.type })?.action
  }

  // A callback hook: only a fault rule (a delay) ever needs to wait, and most requests pass at once.
  return (request, reply, done) => {
    const fault = admit(request)
    if (fault === undefined) return done()
    applyFault(fault, request, reply).then(() => done(), done)
  }
}
