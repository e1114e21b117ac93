import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { Type } from '@sinclair/typebox'
import { Errors } from '../domain/errors.js'
import { DOWNLOAD_TYPES, MEDIA_FILE_NAMES, isCloudflareId, isDownloadType, type DownloadType } from '../domain/ids.js'
import { preferredStatus, forcedError, type FaultAction } from '../domain/faults.js'
import type { DownloadStatus } from '../domain/progress.js'
import { isSecret } from '../domain/credentials.js'
import { credentialCheck } from '../plugins/auth.js'
import { applyFault } from '../plugins/faults.js'
import { apiPath, failureFor, sendFailure } from '../plugins/envelope.js'
import { recordRequest } from '../plugins/journal.js'
import { CreateBodySchema, DownloadsParamsSchema, DownloadsResultSchema, TypedDownloadParamsSchema, type DownloadsParams, type DownloadsResult } from '../schemas/download.js'
import { FailureEnvelopeSchema, SuccessEnvelopeSchema, ok } from '../schemas/envelope.js'
import type { VideoRecord } from '../schemas/store.js'
import type { MockNote } from '../types.js'

const DOWNLOADS_PATH = '/accounts/:account_id/stream/:identifier/downloads'
const TYPED_PATH = `${DOWNLOADS_PATH}/:download_type`

/** The methods each path has; every other method answers 405. */
const ALLOWED: { readonly [path: string]: readonly string[] } = {
  [DOWNLOADS_PATH]: ['GET', 'HEAD', 'POST', 'DELETE'],
  [TYPED_PATH]: ['POST', 'DELETE']
}

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

const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * The answer of a video whose downloads are all settled (ready or error): it depends on nothing
 * but the video's record, so it holds while the store's revision and the url base stay the same.
 */
interface SettledAnswer {
  revision: number
  base: string
  /** The serialized envelope. */
  body: string
  /** The statuses it shows, for the request's note (shared, never mutated). */
  shown: Readonly<Partial<Record<DownloadType, DownloadStatus>>>
}

/** Sends an envelope serialized before: Fastify passes a JSON string through as it is. */
function sendSerialized (reply: FastifyReply, body: string): void {
  reply.type(JSON_TYPE).send(body)
}

/** The validator of path parameters that `admit` has checked already: it accepts them as they are. */
const checkedByAdmit = (): true => true

/** Host headers that are safe to echo into a download url. */
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/

/**
 * The Cloudflare Stream downloads endpoints. Every request is checked in Cloudflare's order
 * before anything else happens: ids and download type, then the method, then credentials.
 */
export interface DownloadsRoutesOptions {
  publicUrl?: string
  /** Honour `Prefer: code=...` and the fault rules (off with MOCK_ADMIN=off). */
  scenarioControl: boolean
  /** Any well-formed unknown video id exists on first use (MOCK_AUTO_CREATE=on). */
  autoCreate: boolean
  /** MOCK_ADMIN_TOKEN: when set, `Prefer` is honoured only with it in X-Mock-Admin-Token. */
  adminToken?: string
}

const downloadsRoutes: FastifyPluginAsyncTypebox<DownloadsRoutesOptions> = async (app, options) => {
  // The path's ids and type are checked by `admit`, first, as Cloudflare answers a bad one with
  // its 404 before anything else; the params schemas (kept for their types and documentation)
  // would check the same again on every request. The other parts go to the app's validators.
  const appValidator = app.validatorCompiler
  /* c8 ignore next -- the app always sets its validator compiler before registering routes */
  if (appValidator === undefined) throw new Error('the downloads routes need the app\'s validator compiler')
  app.setValidatorCompiler((route) => route.httpPart === 'params' ? checkedByAdmit : appValidator(route))

  const credentialsFailure = credentialCheck(app.mock.config)

  /**
   * Cloudflare's checks, in its order; throws the MockError to answer with. Returns the fault
   * rule's action when one applies to the request.
   */
  function admit (request: FastifyRequest): FaultAction | undefined {
    const params = request.params as Record<string, string | undefined>
    const account = params.account_id
    const video = params.identifier
    const type = params.download_type
    // Noted before any check, so the journal shows refused requests too.
    const note: MockNote = (request.mockNote = { account, video })
    if (!isCloudflareId(account) || !isCloudflareId(video) || (type !== undefined && !isDownloadType(type))) {
      throw Errors.routeNotFound(apiPath(request.url))
    }
    // The type the request acts on: untyped POST and DELETE act on `default`; a GET on all.
    note.type = type ?? (request.method === 'POST' || request.method === 'DELETE' ? 'default' : undefined)
    // Told apart by their parameters, not by `request.routeOptions`, which builds an object per call.
    const allowed = (type === undefined ? ALLOWED[DOWNLOADS_PATH] : ALLOWED[TYPED_PATH]) as readonly string[]
    if (!allowed.includes(request.method)) throw Errors.methodNotAllowed(request.method, allowed)
    const failure = credentialsFailure(request.headers)
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
    return app.mock.faults.take({ method: request.method, path: request.url, account, video, type: note.type })?.action
  }

  /**
   * `admit` as the onRequest hook of the routes that take a body, so that a bad path is answered
   * before the body is read. A callback hook: only a fault rule (a delay) ever needs to wait.
   * Fastify answers what it throws through the error handler. The list route has no body, and
   * no hook: its handler admits the request itself, which saves the hook runs on the hot path.
   */
  const admitFirst: onRequestHookHandler = (request, reply, done) => {
    const fault = admit(request)
    if (fault === undefined) return done()
    applyFault(fault, request, reply).then(() => done(), done)
  }

  // Every failure of this surface is journaled as it is answered; successes are journaled by
  // their routes, drops by the fault that drops them.
  app.setErrorHandler<FastifyError>((error, request, reply) => {
    const failure = failureFor(error, request)
    if (request.mockNote !== undefined) recordRequest(app, request, failure.statusCode, failure.headers)
    return sendFailure(reply, failure)
  })

  for (const [url, allowed] of Object.entries(ALLOWED)) {
    const others = app.supportedMethods.filter((method) => !allowed.includes(method))
    app.route({
      method: others,
      url,
      onRequest: admitFirst,
      schema: { params: Type.Object({}, { additionalProperties: true }) },
      /* c8 ignore next 2 -- unreachable: the onRequest hook answers 405 first; Fastify requires a handler */
      handler: async (request) => { throw Errors.methodNotAllowed(request.method, allowed) }
    })
  }

  /**
   * The video named by the path, or the 404 for an unknown account or video. `autoCreate` is
   * off for a DELETE, which never brings a video into being.
   */
  function videoFor (account: string, videoId: string, autoCreate = options.autoCreate): VideoRecord {
    const known = app.mock.store.videoIn(account, videoId)
    if (known !== undefined) return known
    const lookup = app.mock.store.lookup(account, videoId, autoCreate)
    if (lookup.found) return lookup.video
    if (lookup.reason === 'full') throw Errors.videoLimitReached(app.mock.store.maxVideos)
    throw lookup.reason === 'account' ? Errors.accountNotFound() : Errors.videoNotFound()
  }

  /** The last url base built, and the Host and protocol it was built from. */
  let lastBase = { host: '', protocol: '', base: '' }

  /** The base of download urls: MOCK_PUBLIC_URL, else the request's own host when it is safe. */
  function publicBase (request: FastifyRequest): string {
    if (options.publicUrl !== undefined) return options.publicUrl
    const { host, protocol } = request
    // Clients send the same Host on every request: the last base is kept, not rebuilt.
    if (host === lastBase.host && protocol === lastBase.protocol) return lastBase.base
    const shown = SAFE_HOST.test(host) ? host : `${app.mock.config.host}:${app.mock.config.port}`
    lastBase = { host, protocol, base: `${protocol}://${shown}` }
    return lastBase.base
  }

  /** The downloads object of a video: only the types that exist, each with its url. */
  function downloadsOf (base: string, videoId: string, video: VideoRecord): DownloadsResult {
    const states = app.mock.store.states(video)
    const result: DownloadsResult = {}
    for (const type of DOWNLOAD_TYPES) {
      const state = states[type]
      if (state !== undefined) result[type] = { ...state, url: `${base}/${videoId}/downloads/${MEDIA_FILE_NAMES[type]}` }
    }
    return result
  }

  /** Answers of settled videos (every download ready or in error), by video record. */
  const settledAnswers = new WeakMap<VideoRecord, SettledAnswer>()

  app.get(DOWNLOADS_PATH, {
    schema: { summary: 'List downloads', params: DownloadsParamsSchema, response: downloadsResponse }
  }, (request, reply) => {
    const fault = admit(request)
    if (fault === undefined) return listDownloads(request, reply)
    return applyFault(fault, request, reply).then(() => reply.sent ? undefined : listDownloads(request, reply))
  })

  /** The list route's answer: sent here (and undefined returned) when it was serialized before. */
  function listDownloads (request: FastifyRequest, reply: FastifyReply): ReturnType<typeof ok<DownloadsResult>> | undefined {
    const { account_id: account, identifier } = request.params as DownloadsParams
    const video = videoFor(account, identifier)
    const base = publicBase(request)
    const note = request.mockNote as MockNote
    // A settled video's answer stays the same until the store changes: sent again as built.
    const settled = settledAnswers.get(video)
    if (settled !== undefined && settled.revision === app.mock.store.revision && settled.base === base) {
      note.downloads = settled.shown
      recordRequest(app, request, 200)
      sendSerialized(reply, settled.body)
      return
    }
    // A read moves `polls` downloads on before the answer is built; HEAD is not a read.
    if (request.method === 'GET') app.mock.store.poll(identifier, video)
    const result = downloadsOf(base, identifier, video)
    const shown = showing(video, result)
    note.downloads = shown
    recordRequest(app, request, 200)
    const envelope = ok(result)
    if (Object.values(shown).includes('inprogress')) return envelope
    // Serialized through the route's response schema, exactly as Fastify would.
    const body = reply.serialize(envelope) as string
    settledAnswers.set(video, { revision: app.mock.store.revision, base, body, shown })
    sendSerialized(reply, body)
  }

  /**
   * What an answer shows the client of the video's downloads, for the journal and the polling
   * report; a download shown in `error` is marked so (the next create then starts it over).
   */
  function showing (video: VideoRecord, result: DownloadsResult): Partial<Record<DownloadType, DownloadStatus>> {
    const shown: Partial<Record<DownloadType, DownloadStatus>> = {}
    let error = false
    for (const type of DOWNLOAD_TYPES) {
      const status = result[type]?.status
      if (status === undefined) continue
      shown[type] = status
      if (status === 'error') error = true
    }
    if (error) app.mock.store.shown(video)
    return shown
  }

  /** A create: a new download, a retry of a failed one, or a read of the existing one. */
  function create (request: FastifyRequest, account: string, identifier: string, type: DownloadType): ReturnType<typeof ok<DownloadsResult>> {
    const video = videoFor(account, identifier)
    if (app.mock.store.create(identifier, video, type)) request.log.info({ video: identifier, type }, 'download created')
    const result = downloadsOf(publicBase(request), identifier, video)
    ;(request.mockNote as MockNote).downloads = showing(video, result)
    recordRequest(app, request, 200)
    return ok(result)
  }

  /**
   * A delete is idempotent (the mock's choice; Cloudflare does not document it): a download that
   * does not exist, never created or deleted already, answers "ok" as well, as the official SDKs'
   * tests expect. An unknown video or account is still a 404.
   */
  function remove (request: FastifyRequest, account: string, identifier: string, type: DownloadType): ReturnType<typeof ok<'ok'>> {
    app.mock.store.remove(videoFor(account, identifier, false), type)
    recordRequest(app, request, 200)
    return ok('ok' as const)
  }

  app.post(DOWNLOADS_PATH, {
    onRequest: admitFirst,
    schema: { summary: 'Create the default download', params: DownloadsParamsSchema, body: CreateBodySchema, response: downloadsResponse }
  }, async (request) => create(request, request.params.account_id, request.params.identifier, 'default'))

  app.post(TYPED_PATH, {
    onRequest: admitFirst,
    schema: { summary: 'Create a download of a type', params: TypedDownloadParamsSchema, body: CreateBodySchema, response: downloadsResponse }
  }, async (request) => create(request, request.params.account_id, request.params.identifier, request.params.download_type))

  app.delete(DOWNLOADS_PATH, {
    onRequest: admitFirst,
    schema: { summary: 'Delete the default download', params: DownloadsParamsSchema, response: deletedResponse }
  }, async (request) => remove(request, request.params.account_id, request.params.identifier, 'default'))

  app.delete(TYPED_PATH, {
    onRequest: admitFirst,
    schema: { summary: 'Delete a download of a type', params: TypedDownloadParamsSchema, response: deletedResponse }
  }, async (request) => remove(request, request.params.account_id, request.params.identifier, request.params.download_type))
}

export default downloadsRoutes
