/**
 * How a video goes through its states: `pendingupload` → `downloading` → `queued` →
 * `inprogress` (pctComplete rising) → `ready` or `error`. Pure functions of a record and their
 * inputs, as domain/progress.ts is for downloads, whose rules the `inprogress` phase reuses (a
 * video's encoding is a download's percent under another name): one big clock step and many small
 * ones always agree, because a record is only ever re-anchored at the exact mock time of a
 * transition (see `settle`).
 */
import {
  applyPoll, floorToTenth, materialize, nextStopAt, stateAt, stopPoint,
  type DownloadRecord, type ProgressionModel
} from './progress.js'

export type VideoState = 'pendingupload' | 'downloading' | 'queued' | 'inprogress' | 'ready' | 'error'

/** Cloudflare's order of the states (its enum's). */
export const VIDEO_STATES: readonly VideoState[] = ['pendingupload', 'downloading', 'queued', 'inprogress', 'ready', 'error']

/** The phases that last a set mock time (model `time`) before the next. */
export type TimedPhase = 'downloading' | 'queued'

/** Where a video fails or holds: at the end of a timed phase, or at a percent of `inprogress`. */
export type VideoPoint = TimedPhase | number

/** Cloudflare's processing error codes (the docs' list) and their texts. */
export const ERROR_REASONS: Readonly<Record<string, string>> = {
  ERR_NON_VIDEO: 'The upload is not a video.',
  ERR_DURATION_EXCEED_CONSTRAINT: 'The video duration exceeds the constraints defined in the direct creator upload.',
  ERR_FETCH_ORIGIN_ERROR: 'The video failed to download from the URL.',
  ERR_MALFORMED_VIDEO: 'The video is a valid file but contains corrupt data that cannot be recovered.',
  ERR_DURATION_TOO_SHORT: 'The video\'s duration is shorter than 0.1 seconds.',
  ERR_UNKNOWN: 'If Stream cannot automatically determine why the video returned an error, the ERR_UNKNOWN code will be used.'
}

/** The code of a failure with none given: where it failed says what failed (mock's choice). */
export function defaultErrorCode (failedIn: VideoState): string {
  return failedIn === 'downloading' ? 'ERR_FETCH_ORIGIN_ERROR' : failedIn === 'inprogress' ? 'ERR_MALFORMED_VIDEO' : 'ERR_UNKNOWN'
}

/** How a video moves through its states. */
export interface VideoProgression {
  model: ProgressionModel
  /** Mock ms spent `downloading` (model `time`). */
  downloadingMs: number
  /** Mock ms spent `queued` (model `time`). */
  queuedMs: number
  /** Percent per second of mock time while `inprogress` (model `time`). */
  speed: number
  /** Percent per read while `inprogress` (model `polls`; a read in a timed phase moves to the next). */
  step: number
  failAt?: VideoPoint
  holdAt?: VideoPoint
  /** The code it fails with (default: see defaultErrorCode). */
  errorReasonCode?: string
}

/**
 * A video's lifecycle as stored: its state at an anchor (`since`: when a timed phase was entered,
 * or the mock time of `pct` while `inprogress`, or when it became ready or failed) and its
 * progression. `expiresAt`: when a `pendingupload` reservation is released.
 */
export interface VideoLife extends VideoProgression {
  state: VideoState
  pct: number
  since: number
  expiresAt?: number
}

/** What a client sees of a video's lifecycle at a mock time. */
export interface VideoLifeState {
  state: VideoState
  /** Percent of encoding: 0 before `inprogress`, 100 once ready. */
  pctComplete: number
  /** When the video entered its state (ready: readyToStreamAt). */
  since: number
  /** Set in `error`. */
  errorReasonCode?: string
}

/** The `inprogress` phase as a download record, so that progress.ts's rules apply to it. */
function asDownload (life: VideoLife): DownloadRecord {
  const record: DownloadRecord = {
    status: 'inprogress', percent: life.pct, since: life.since, model: life.model, speed: life.speed, step: life.step
  }
  if (typeof life.failAt === 'number') record.failAt = life.failAt
  if (typeof life.holdAt === 'number') record.holdAt = life.holdAt
  return record
}

/** A video record in `error` from mock time `at`. */
function failed (life: VideoLife, failedIn: VideoState, pct: number, at: number): VideoLife {
  return { ...life, state: 'error', pct, since: at, errorReasonCode: life.errorReasonCode ?? defaultErrorCode(failedIn) }
}

/** The state after a timed phase, entered at `at`. */
function afterPhase (life: VideoLife, phase: TimedPhase, at: number): VideoLife {
  if (life.failAt === phase) return failed(life, phase, 0, at)
  return { ...life, state: phase === 'downloading' ? 'queued' : 'inprogress', pct: 0, since: at }
}

/** The `inprogress` record after its download-shaped twin moved. */
function fromDownload (life: VideoLife, download: DownloadRecord): VideoLife {
  if (download.status === 'error') return failed(life, 'inprogress', download.percent, download.since)
  return { ...life, state: download.status === 'ready' ? 'ready' : 'inprogress', pct: download.percent, since: download.since }
}

/** The next transition by time alone, when it happens by mock time `now`; else undefined. */
function nextTransition (life: VideoLife, now: number): VideoLife | undefined {
  if (life.model !== 'time' && life.model !== 'immediate') return undefined
  if (life.state === 'downloading' || life.state === 'queued') {
    if (life.holdAt === life.state) return undefined
    const end = life.since + (life.model === 'immediate' ? 0 : life.state === 'downloading' ? life.downloadingMs : life.queuedMs)
    return end <= now ? afterPhase(life, life.state, end) : undefined
  }
  if (life.state !== 'inprogress') return undefined
  const download = asDownload(life)
  const stop = stopPoint(download)
  // At its hold point: nothing more happens by time.
  if (stop.status === 'inprogress' && download.percent >= stop.percent) return undefined
  const at = life.model === 'immediate' ? life.since : nextStopAt(download)
  return at !== undefined && at <= now ? fromDownload(life, materialize(download, at)) : undefined
}

/**
 * The record anchored at its last transition by mock time `now` (the record itself when none
 * came): every transition is taken at its own exact mock time, so settling at t1 and then at t2
 * gives what settling at t2 gives.
 */
export function settle (life: VideoLife, now: number): VideoLife {
  let current = life
  for (let next = nextTransition(current, now); next !== undefined; next = nextTransition(current, now)) current = next
  return current
}

/** What a client sees of the video at mock time `now`. */
export function videoStateAt (life: VideoLife, now: number): VideoLifeState {
  const current = settle(life, now)
  const view: VideoLifeState = { state: current.state, pctComplete: current.pct, since: current.since }
  if (current.state === 'inprogress') view.pctComplete = stateAt(asDownload(current), now).percentComplete
  if (current.state === 'ready') view.pctComplete = 100
  if (current.state === 'error') view.errorReasonCode = current.errorReasonCode
  return view
}

/**
 * The mock time of the record's next change by time alone (a transition, or a reservation's
 * expiry), or undefined when only a read, an upload or the admin API can move it.
 */
export function nextVideoChangeAt (life: VideoLife): number | undefined {
  if (life.state === 'pendingupload') return life.expiresAt
  return nextTransition(life, Number.POSITIVE_INFINITY)?.since
}

/** Whether a `pendingupload` reservation has run out at mock time `now`. */
export function isExpired (life: VideoLife, now: number): boolean {
  return life.state === 'pendingupload' && life.expiresAt !== undefined && life.expiresAt <= now
}

/**
 * The record after one client read of the video's details (only `polls` videos move): a timed
 * phase ends, or `inprogress` takes its step, as a `polls` download does.
 */
export function applyVideoPoll (life: VideoLife, now: number): VideoLife {
  if (life.model !== 'polls') return life
  if (life.state === 'downloading' || life.state === 'queued') {
    return life.holdAt === life.state ? life : afterPhase(life, life.state, now)
  }
  if (life.state !== 'inprogress') return life
  // A polls video in progress always takes its step (its twin is a polls download in progress).
  return fromDownload(life, applyPoll(asDownload(life), now))
}

/**
 * The record once the upload of a `pendingupload` video arrived at `now`: `queued` (a direct
 * upload skips `downloading`), or `error` with `errorReasonCode` when the upload breaks a
 * constraint. Any other record is returned as it is.
 */
export function afterUpload (life: VideoLife, now: number, errorReasonCode?: string): VideoLife {
  if (life.state !== 'pendingupload') return life
  const { expiresAt: _expiry, ...rest } = life
  if (errorReasonCode !== undefined) return { ...rest, state: 'error', pct: 0, since: now, errorReasonCode }
  return { ...rest, state: 'queued', pct: 0, since: now }
}

/** A new video's record, in `state` from `now` on, with the given progression. */
export function newVideoLife (progression: VideoProgression, state: VideoState, now: number, expiresAt?: number): VideoLife {
  const life: VideoLife = { ...progression, state, pct: state === 'ready' ? 100 : 0, since: now }
  if (expiresAt !== undefined) life.expiresAt = expiresAt
  return life
}

/** pctComplete as Cloudflare writes it: a string with six decimals (`"39.000000"`). */
export function pctString (pct: number): string {
  return floorToTenth(pct).toFixed(6)
}
