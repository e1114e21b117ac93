import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Errors } from '../domain/errors.js'
import { ERROR_REASONS, pctString } from '../domain/video-progress.js'
import { ok } from '../schemas/envelope.js'
import type { VideoDetails, VideoRecord } from '../schemas/store.js'
import {
  MAX_META_BYTES, type DirectUploadBody, type DirectUploadResult, type Video, type VideoCopyBody, type VideoEditBody, type VideoListQuery
} from '../schemas/video.js'
import type { VideoEdit } from '../store/download-store.js'
import { foundVideo, publicBaseOf } from './answers.js'

/** What the bundled MP4 is, which every video's input stands for (see assets/README.md). */
export const BUNDLED_INPUT = { width: 160, height: 90, duration: 2 } as const

/** How long a direct upload's reservation lasts without an `expiry` (Cloudflare's default: 30 minutes). */
export const DEFAULT_UPLOAD_EXPIRY_MS = 30 * 60 * 1000

/** Where the mock serves a direct upload's one-time url, under its public base. */
export const UPLOAD_PATH = '/upload'

export interface VideoAnswersOptions {
  publicUrl?: string
  autoCreate: boolean
  /** Bytes of the bundled MP4: the size of every video that was not uploaded. */
  mediaSize: number
}

type Envelope<T> = ReturnType<typeof ok<T>>

/** The answers of the video endpoints, over the app's store. */
export interface VideoAnswers {
  list: (request: FastifyRequest, account: string, query: VideoListQuery) => Envelope<Video[]> & { total?: number, range?: number }
  get: (request: FastifyRequest, account: string, videoId: string) => Envelope<Video>
  edit: (request: FastifyRequest, account: string, videoId: string, body: VideoEditBody) => Envelope<Video>
  remove: (account: string, videoId: string) => Envelope<'ok'>
  copy: (request: FastifyRequest, account: string, body: VideoCopyBody, creator?: string) => Envelope<Video>
  directUpload: (request: FastifyRequest, account: string, body: DirectUploadBody, creator?: string) => Envelope<DirectUploadResult>
  /** The Video object of a video, with urls under `base` (what a webhook delivers). */
  object: (base: string, uid: string, video: VideoRecord) => Video
}

/** The states `?status=` may name. */
const STATES = new Set<string>(['pendingupload', 'downloading', 'queued', 'inprogress', 'ready', 'error', 'live-inprogress'])

/** The answers of the video endpoints. */
export function videoAnswers (app: FastifyInstance, options: VideoAnswersOptions): VideoAnswers {
  const store = app.mock.store
  const date = (mockMs: number): string => new Date(store.epochMs + mockMs).toISOString()

  /** Mock ms of the account's clock for an RFC 3339 date of a request, or a 400 naming the field. */
  function mockMsOf (field: string, value: string): number {
    const wall = Date.parse(value)
    if (Number.isNaN(wall)) throw Errors.invalidInput({ field, problem: `expected an RFC 3339 date-time (got ${JSON.stringify(value.slice(0, 80))})` })
    return wall - store.epochMs
  }

  /** The video of the path, or the account's or video's 404. */
  function videoFor (account: string, videoId: string, autoCreate = options.autoCreate): VideoRecord {
    return foundVideo(store.lookupVideo(account, videoId, autoCreate), store.maxVideos)
  }

  /** An account a client brings a video into, or its 404 (with MOCK_AUTO_CREATE every account exists). */
  function requireAccount (account: string): void {
    if (!options.autoCreate && !store.hasAccount(account)) throw Errors.accountNotFound()
    if (store.videoCount >= store.maxVideos) throw Errors.videoStorageFull(store.maxVideos)
  }

  /** Refuses a meta over MAX_META_BYTES of JSON. */
  function checkMeta (meta: Record<string, unknown> | undefined): void {
    if (meta !== undefined && JSON.stringify(meta).length > MAX_META_BYTES) {
      throw Errors.invalidInput({ field: 'body.meta', problem: `at most ${MAX_META_BYTES} bytes of JSON` })
    }
  }

  /** An id no video has, as Cloudflare's: 32 lowercase hex characters. */
  function newId (): string {
    for (;;) {
      const id = randomBytes(16).toString('hex')
      /* c8 ignore next -- a collision of 128 random bits does not happen; the loop is in case */
      if (store.videoById(id) === undefined) return id
    }
  }

  /** The details a copy or direct upload starts with. */
  function detailsOf (body: VideoCopyBody | DirectUploadBody, creator: string | undefined): VideoDetails {
    checkMeta(body.meta)
    const details: VideoDetails = {}
    if (body.meta !== undefined) details.meta = body.meta
    const who = body.creator ?? creator
    if (who !== undefined) details.creator = who
    if (body.allowedOrigins !== undefined) details.allowedOrigins = body.allowedOrigins
    if (body.thumbnailTimestampPct !== undefined) details.thumbnailTimestampPct = body.thumbnailTimestampPct
    if (typeof body.scheduledDeletion === 'string') details.scheduledDeletion = mockMsOf('body.scheduledDeletion', body.scheduledDeletion)
    return details
  }

  /** Cloudflare's Video: every field, consistent with the state it is in now. */
  function videoOf (base: string, uid: string, video: VideoRecord): Video {
    const life = store.lifeOf(video)
    const details = video.details ?? {}
    const ready = life.state === 'ready'
    // What encoding learns of the input is known from inprogress on (-1 before, as Cloudflare shows it).
    const known = ready || life.state === 'inprogress'
    const code = life.errorReasonCode ?? ''
    const created = details.created ?? 0
    const status: Video['status'] = { state: life.state, pctComplete: pctString(life.pctComplete), errorReasonCode: code, errorReasonText: ERROR_REASONS[code] ?? '' }
    if (life.state === 'inprogress') status.step = 'encoding'
    const expiresAt = life.state === 'pendingupload' ? video.life?.expiresAt : undefined
    return {
      allowedOrigins: details.allowedOrigins ?? [],
      created: date(created),
      creator: details.creator ?? null,
      duration: known ? details.duration ?? BUNDLED_INPUT.duration : -1,
      input: known ? { width: BUNDLED_INPUT.width, height: BUNDLED_INPUT.height } : { width: -1, height: -1 },
      maxDurationSeconds: details.maxDurationSeconds ?? null,
      maxSizeBytes: null,
      meta: details.meta ?? {},
      modified: date(details.modified ?? created),
      playback: { hls: `${base}/${uid}/manifest/video.m3u8`, dash: `${base}/${uid}/manifest/video.mpd` },
      preview: `${base}/${uid}/watch`,
      readyToStream: ready,
      readyToStreamAt: ready ? date(life.since) : null,
      requireSignedURLs: video.requireSignedURLs ?? false,
      scheduledDeletion: details.scheduledDeletion === undefined ? null : date(details.scheduledDeletion),
      size: details.size ?? (known ? options.mediaSize : 0),
      status,
      thumbnail: `${base}/${uid}/thumbnails/thumbnail.jpg`,
      thumbnailTimestampPct: details.thumbnailTimestampPct ?? 0,
      uid,
      uploadExpiry: expiresAt === undefined ? null : date(expiresAt),
      uploaded: date(details.uploaded ?? created),
      watermark: null
    }
  }

  /** Splits a comma-separated query value. */
  const listOf = (value: string | undefined): Set<string> | undefined => value === undefined ? undefined : new Set(value.split(',').map((part) => part.trim()))

  return {
    object: videoOf,
    list (request, account, query) {
      if (!options.autoCreate && !store.hasAccount(account)) throw Errors.accountNotFound()
      const states = listOf(query.status)
      for (const state of states ?? []) {
        if (!STATES.has(state)) throw Errors.invalidInput({ field: 'querystring.status', problem: `expected states among ${[...STATES].join(', ')} (got ${JSON.stringify(state.slice(0, 80))})` })
      }
      const from = query.start ?? query.after
      const to = query.end ?? query.before
      const fromMs = from === undefined ? undefined : mockMsOf('querystring.start', from)
      const toMs = to === undefined ? undefined : mockMsOf('querystring.end', to)
      const ids = listOf(query.id)
      const names = listOf(query.name)
      const search = query.search?.toLowerCase()
      const base = publicBaseOf(app, options.publicUrl, request)
      const matches: Array<[string, VideoRecord]> = []
      for (const [uid, video] of store.videosOf(account)) {
        const created = video.details?.created ?? 0
        const name = typeof video.details?.meta?.name === 'string' ? video.details.meta.name : undefined
        if (states !== undefined && !states.has(store.lifeOf(video).state)) continue
        if (query.creator !== undefined && video.details?.creator !== query.creator) continue
        if (query.type === 'live' || query.live_input_id !== undefined) continue
        if (fromMs !== undefined && created < fromMs) continue
        if (toMs !== undefined && created >= toMs) continue
        if (ids !== undefined && !ids.has(uid)) continue
        if (names !== undefined && !names.has(uid) && (name === undefined || !names.has(name))) continue
        if (query.video_name !== undefined && name !== query.video_name) continue
        if (search !== undefined && (name === undefined || !name.toLowerCase().includes(search))) continue
        matches.push([uid, video])
      }
      // Newest first unless `asc`; videos created at the same mock time keep the order they came in.
      const ordered = query.asc === true ? matches : matches.reverse()
      const page = ordered.slice(0, query.limit ?? 1000).map(([uid, video]) => videoOf(base, uid, video))
      const answer: Envelope<Video[]> & { total?: number, range?: number } = ok(page)
      if (query.include_counts === true) {
        answer.total = matches.length
        answer.range = page.length
      }
      return answer
    },

    get (request, account, videoId) {
      const video = videoFor(account, videoId)
      // A read: a `polls` video takes its step (HEAD is not a read).
      if (request.method === 'GET') store.pollVideo(videoId, video)
      return ok(videoOf(publicBaseOf(app, options.publicUrl, request), videoId, video))
    },

    edit (request, account, videoId, body) {
      const video = videoFor(account, videoId)
      if (body.uid !== undefined && body.uid !== videoId) {
        throw Errors.invalidInput({ field: 'body.uid', problem: `names another video than the path's ${videoId}` })
      }
      checkMeta(body.meta)
      const edit: VideoEdit = {}
      if (body.meta !== undefined) edit.meta = body.meta
      if (body.creator !== undefined) edit.creator = body.creator
      if (body.requireSignedURLs !== undefined) edit.requireSignedURLs = body.requireSignedURLs
      if (body.allowedOrigins !== undefined) edit.allowedOrigins = body.allowedOrigins
      if (body.thumbnailTimestampPct !== undefined) edit.thumbnailTimestampPct = body.thumbnailTimestampPct
      if (body.maxDurationSeconds !== undefined) edit.maxDurationSeconds = body.maxDurationSeconds
      if (body.scheduledDeletion !== undefined) edit.scheduledDeletion = body.scheduledDeletion === null ? null : mockMsOf('body.scheduledDeletion', body.scheduledDeletion)
      store.editVideo(videoId, video, edit)
      return ok(videoOf(publicBaseOf(app, options.publicUrl, request), videoId, video))
    },

    remove (account, videoId) {
      // A DELETE never brings a video into being; its downloads go with it.
      videoFor(account, videoId, false)
      store.deleteVideo(videoId)
      return ok('ok' as const)
    },

    copy (request, account, body, creator) {
      const source = body.input ?? body.url
      if (source === undefined) throw Errors.invalidInput({ field: 'body.input', problem: 'a copy needs the video\'s url, in input (or the deprecated url)' })
      if (!/^https?:\/\/[^\s/]+/.test(source) || !URL.canParse(source)) {
        throw Errors.invalidInput({ field: body.input === undefined ? 'body.url' : 'body.input', problem: `expected an http or https url (got ${JSON.stringify(source.slice(0, 80))})` })
      }
      requireAccount(account)
      const details = detailsOf(body, creator)
      // Cloudflare adds where the video came from to its meta; `name` is the legacy way to name it.
      details.meta = { ...(body.name === undefined ? {} : { name: body.name }), ...details.meta, 'downloaded-from': source }
      const uid = newId()
      const video = store.addVideo(account, uid, 'downloading', details, body.requireSignedURLs === undefined ? {} : { requireSignedURLs: body.requireSignedURLs })
      request.log.info({ video: uid, account }, 'video copy started')
      return ok(videoOf(publicBaseOf(app, options.publicUrl, request), uid, video))
    },

    directUpload (request, account, body, creator) {
      const now = store.now(account)
      const expiresAt = body.expiry === undefined ? now + DEFAULT_UPLOAD_EXPIRY_MS : mockMsOf('body.expiry', body.expiry)
      if (expiresAt <= now) throw Errors.invalidInput({ field: 'body.expiry', problem: `must be after now (${date(now)}, mock time)` })
      requireAccount(account)
      const details = { ...detailsOf(body, creator), maxDurationSeconds: body.maxDurationSeconds }
      const uid = newId()
      const reservation: { expiresAt: number, requireSignedURLs?: boolean } = { expiresAt }
      if (body.requireSignedURLs !== undefined) reservation.requireSignedURLs = body.requireSignedURLs
      store.addVideo(account, uid, 'pendingupload', details, reservation)
      request.log.info({ video: uid, account }, 'direct upload reserved')
      const base = publicBaseOf(app, options.publicUrl, request)
      return ok({
        uploadURL: `${base}${UPLOAD_PATH}/${uid}`,
        uid,
        scheduledDeletion: details.scheduledDeletion === undefined ? null : date(details.scheduledDeletion),
        watermark: null
      })
    }
  }
}
