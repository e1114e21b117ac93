/**
 * How a download progresses: where it stands at a given mock time, what a client read does to
 * it, and when it will next change status. Pure functions of a record and their inputs, so one
 * big clock step and many small ones always agree.
 */

export type DownloadStatus = 'inprogress' | 'ready' | 'error'
export type ProgressionModel = 'time' | 'polls' | 'manual' | 'immediate'

/** How a download moves: the model, its rate, and where it fails or holds. */
export interface Progression {
  model: ProgressionModel
  /** Percent per second of mock time (model `time`). */
  speed: number
  /** Percent per read of the video's downloads (model `polls`). */
  step: number
  /** Percent at which the download becomes `error`. */
  failAt?: number
  /** Percent at which the download stops, `inprogress`, until released. */
  holdAt?: number
}

/**
 * A stored download: its state at an anchor (mock time `since`) and its progression. Progress
 * after the anchor is derived, never stored, until a transition is recorded.
 */
export interface DownloadRecord extends Progression {
  status: DownloadStatus
  percent: number
  since: number
  /**
   * True once a client was shown this download in `error` (in a 200 answer of the downloads
   * paths). Cleared by starting over: a new record has none.
   */
  errorShown?: boolean
}

/** What a client sees of a download. */
export interface DownloadState {
  status: DownloadStatus
  percentComplete: number
}

/** Slack for floating-point error when comparing a computed percent with a stop point. */
const EPSILON = 1e-9

/** Rounds down to one decimal, so a download never shows a stop point before it reaches it. */
export function floorToTenth (percent: number): number {
  return Math.floor(percent * 10 + EPSILON) / 10
}

interface StopPoint { percent: number, status: DownloadStatus }

/** The first point ahead of `percent` where the download stops, and the status it has there. */
export function stopPoint (record: Progression & { percent: number }): StopPoint {
  let stop: StopPoint = { percent: 100, status: 'ready' }
  if (record.holdAt !== undefined && record.holdAt >= record.percent && record.holdAt < stop.percent) {
    stop = { percent: record.holdAt, status: 'inprogress' }
  }
  // A fail point at or before the hold point wins: the download errors before it would hold.
  if (record.failAt !== undefined && record.failAt <= stop.percent) {
    stop = { percent: Math.max(record.failAt, record.percent), status: 'error' }
  }
  return stop
}

/** Where a raw (unclamped) percent lands, given the record's stop point. */
function settle (record: DownloadRecord, raw: number): DownloadState {
  const stop = stopPoint(record)
  if (raw + EPSILON >= stop.percent) return { status: stop.status, percentComplete: stop.percent }
  return { status: 'inprogress', percentComplete: floorToTenth(raw) }
}

/** The state of a download at mock time `nowMs`. */
export function stateAt (record: DownloadRecord, nowMs: number): DownloadState {
  if (record.status !== 'inprogress') return { status: record.status, percentComplete: record.percent }
  switch (record.model) {
    case 'immediate':
      return settle(record, Number.POSITIVE_INFINITY)
    case 'time':
      return settle(record, record.percent + record.speed * Math.max(0, nowMs - record.since) / 1000)
    default:
      // `polls` moves on reads (see applyPoll) and `manual` only on admin writes.
      return settle(record, record.percent)
  }
}

/** The record after one client read of its video's downloads (only `polls` downloads move). */
export function applyPoll (record: DownloadRecord, nowMs: number): DownloadRecord {
  if (record.model !== 'polls' || record.status !== 'inprogress') return record
  const raw = record.percent + record.step
  const stop = stopPoint(record)
  if (raw + EPSILON >= stop.percent) return { ...record, status: stop.status, percent: stop.percent, since: nowMs }
  // Kept unrounded short of the stop point (reads show it rounded down): storing the rounded
  // value would lose up to a tenth per read, and a step under 0.1 would never move at all.
  return { ...record, percent: raw, since: nowMs }
}

/** The record re-anchored at `nowMs`: its derived state written down, progression unchanged. */
export function materialize (record: DownloadRecord, nowMs: number): DownloadRecord {
  const state = stateAt(record, nowMs)
  return { ...record, status: state.status, percent: state.percentComplete, since: nowMs }
}

/**
 * The mock time at which a `time` download reaches its stop point (ready, error or hold), or
 * undefined when nothing will happen by the passing of time alone.
 */
export function nextStopAt (record: DownloadRecord): number | undefined {
  if (record.status !== 'inprogress' || record.model !== 'time' || record.speed <= 0) return undefined
  const stop = stopPoint(record)
  // Already at its stop: a hold has nothing more to do; a ready or error point is due at once.
  if (record.percent + EPSILON >= stop.percent) return stop.status === 'inprogress' ? undefined : record.since
  return record.since + Math.ceil((stop.percent - record.percent) * 1000 / record.speed - EPSILON)
}

/**
 * The record after a client was shown it at `nowMs`: a download in `error` is marked as shown
 * (its derived state written down first), so that the next create starts it over. Any other
 * record is returned as it is.
 */
export function markShown (record: DownloadRecord, nowMs: number): DownloadRecord {
  if (record.errorShown === true || stateAt(record, nowMs).status !== 'error') return record
  return { ...materialize(record, nowMs), errorShown: true }
}

/**
 * Whether a client's create starts the download over: only one in `error` that a client has
 * been shown. An error nobody saw is answered as it stands, so a client that polls with POST
 * sees the failure before its next POST retries.
 */
export function restartsOnCreate (record: DownloadRecord, nowMs: number): boolean {
  return record.errorShown === true && stateAt(record, nowMs).status === 'error'
}

/** A new download, created at `nowMs`, with the given progression. */
export function newDownload (progression: Progression, nowMs: number): DownloadRecord {
  const record: DownloadRecord = { ...progression, status: 'inprogress', percent: 0, since: nowMs }
  // `immediate` is ready (or at its fail or hold point) the moment it exists.
  return record.model === 'immediate' ? materialize(record, nowMs) : record
}
