import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Errors } from '../domain/errors.js'
import { DOWNLOAD_TYPES, MEDIA_FILE_NAMES, type DownloadType } from '../domain/ids.js'
import type { DownloadStatus } from '../domain/progress.js'
import type { DownloadsResult } from '../schemas/download.js'
import { ok } from '../schemas/envelope.js'
import type { VideoRecord } from '../schemas/store.js'
import type { VideoLookup } from '../store/download-store.js'
import type { MockNote } from '../types.js'
import { SettledAnswers, sendSerialized } from './fast-path.js'

/** Host headers that are safe to echo into a download url. */
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/

export interface AnswersOptions {
  /** MOCK_PUBLIC_URL: the base of download urls, instead of the request's own host. */
  publicUrl?: string
  /** Any well-formed unknown video id exists on first use (MOCK_AUTO_CREATE=on). */
  autoCreate: boolean
}

type Envelope<T> = ReturnType<typeof ok<T>>

/** The base of the mock's own urls (downloads, uploads): MOCK_PUBLIC_URL, else the request's own host when it is safe. */
export function publicBaseOf (app: FastifyInstance, publicUrl: string | undefined, request: FastifyRequest): string {
  if (publicUrl !== undefined) return publicUrl
  const { host, protocol } = request
  return `${protocol}://${SAFE_HOST.test(host) ? host : `${app.mock.config.host}:${app.mock.config.port}`}`
}

/** What the routes answer, once admission has let a request through. */
export interface DownloadAnswers {
  /** GET and HEAD: the video's downloads; sent here (and undefined returned) when sent as serialized before. */
  list: (request: FastifyRequest, reply: FastifyReply, account: string, video: string) => Envelope<DownloadsResult> | undefined
  /** POST: a new download, a retry of a failed one, or a read of the existing one. */
  create: (request: FastifyRequest, account: string, video: string, type: DownloadType) => Envelope<DownloadsResult>
  /** DELETE: idempotent (see `remove`). */
  remove: (request: FastifyRequest, account: string, video: string, type: DownloadType) => Envelope<'ok'>
}

/** The video a lookup found, or the surface's refusal: the video limit's, the account's or the video's 404. */
export function foundVideo (lookup: VideoLookup, maxVideos: number): VideoRecord {
  if (lookup.found) return lookup.video
  if (lookup.reason === 'full') throw Errors.videoLimitReached(maxVideos)
  throw lookup.reason === 'account' ? Errors.accountNotFound() : Errors.videoNotFound()
}

/** The answers of the downloads endpoints, over the app's store. They note what they show. */
export function downloadAnswers (app: FastifyInstance, options: AnswersOptions): DownloadAnswers {
  /**
   * The video named by the path, or the 404 for an unknown account or video. `autoCreate` is
   * off for a DELETE, which never brings a video into being.
   */
  function videoFor (account: string, videoId: string, autoCreate = options.autoCreate): VideoRecord {
    const known = app.mock.store.videoIn(account, videoId)
    if (known !== undefined) return known
    return foundVideo(app.mock.store.lookup(account, videoId, autoCreate), app.mock.store.maxVideos)
  }

  const publicBase = (request: FastifyRequest): string => publicBaseOf(app, options.publicUrl, request)

  /** The downloads object of a video: only the types that exist, each with its url. */
  function downloadsOf (base: string, videoId: string, video: VideoRecord, atMs?: number): DownloadsResult {
    const states = app.mock.store.states(video, atMs)
    const result: DownloadsResult = {}
    for (const type of DOWNLOAD_TYPES) {
      const state = states[type]
      if (state !== undefined) result[type] = { ...state, url: `${base}/${videoId}/downloads/${MEDIA_FILE_NAMES[type]}` }
    }
    return result
  }

  /**
   * What an answer shows the client of the video's downloads, for the journal and the polling
   * report; a download shown in `error` is marked so (the next create then starts it over).
   */
  function showing (videoId: string, video: VideoRecord, result: DownloadsResult): Partial<Record<DownloadType, DownloadStatus>> {
    const shown: Partial<Record<DownloadType, DownloadStatus>> = {}
    let error = false
    for (const type of DOWNLOAD_TYPES) {
      const status = result[type]?.status
      if (status === undefined) continue
      shown[type] = status
      if (status === 'error') error = true
    }
    if (error) app.mock.store.shown(videoId, video)
    return shown
  }

  const settledAnswers = new SettledAnswers()

  return {
    list (request, reply, account, videoId) {
      const video = videoFor(account, videoId)
      const base = publicBase(request)
      const note = request.mockNote as MockNote
      const settled = settledAnswers.find(video, app.mock.store.revision, base)
      if (settled !== undefined) {
        note.downloads = settled.shown
        sendSerialized(reply, settled.body)
        return undefined
      }
      // A read moves `polls` downloads on before the answer is built; HEAD is not a read.
      if (request.method === 'GET') app.mock.store.poll(videoId, video)
      const result = downloadsOf(base, videoId, video)
      const shown = showing(videoId, video, result)
      note.downloads = shown
      if (Object.values(shown).includes('inprogress')) return ok(result)
      sendSerialized(reply, settledAnswers.keep(reply, video, app.mock.store.revision, base, ok(result), shown).body)
      return undefined
    },

    create (request, account, videoId, type) {
      const video = videoFor(account, videoId)
      // Cloudflare makes downloads only of a video that is ready to view.
      const life = app.mock.store.lifeOf(video)
      if (life.state === 'error') throw Errors.videoInError(life.errorReasonCode as string)
      if (life.state !== 'ready') throw Errors.videoNotReady(life.state)
      // One instant for the whole answer: on a running clock, a second read of mock time would
      // show the new download already past 0 % (the clock is derived, it moves between ticks).
      const at = app.mock.store.now(video.account)
      if (app.mock.store.create(videoId, video, type, at)) request.log.info({ video: videoId, type }, 'download created')
      const result = downloadsOf(publicBase(request), videoId, video, at)
      ;(request.mockNote as MockNote).downloads = showing(videoId, video, result)
      return ok(result)
    },

    /**
     * A delete is idempotent (the mock's choice; Cloudflare does not document it): a download that
     * does not exist, never created or deleted already, answers "ok" as well, as the official SDKs'
     * tests expect. An unknown video or account is still a 404.
     */
    remove (_request, account, videoId, type) {
      app.mock.store.remove(videoId, videoFor(account, videoId, false), type)
      return ok('ok' as const)
    }
  }
}
