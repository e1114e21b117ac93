import { readFile } from 'node:fs/promises'
import { Type } from '@sinclair/typebox'
import { Low, Memory } from 'lowdb'
import { JSONFile } from 'lowdb/node'
import { DOWNLOAD_TYPES, ID_PATTERN, type DownloadType } from '../domain/ids.js'
import { MinHeap } from '../domain/min-heap.js'
import {
  applyPoll, materialize, newDownload, nextStopAt, stateAt,
  type DownloadState, type Progression
} from '../domain/progress.js'
import { resolveProgression, videosFromFixtures, type NamedFixture } from '../seed/load-fixtures.js'
import { assertMatches } from '../seed/validate.js'
import { DATA_FORMAT, StoreDataSchema, VideoRecordSchema, type StoreData, type VideoRecord } from '../schemas/store.js'

/** The least a store needs of a logger (pino's interface). */
export interface StoreLogger {
  info: (obj: object, msg?: string) => void
  error: (obj: object, msg?: string) => void
}

export interface StoreOptions {
  fixtures: NamedFixture[]
  /** Progression of downloads whose fixture or video says nothing of it. */
  defaults: Progression
  /** When set, state is kept in this file (lowdb JSONFile) and survives restarts. */
  dataFile?: string
  /** How long changes may wait before they are written together (ms). */
  flushDelayMs?: number
  log: StoreLogger
}

/** A data file that exists but cannot be used. */
export class DataFileError extends Error {
  constructor (file: string, problem: string) {
    super(`${file}: ${problem}`)
    this.name = 'DataFileError'
  }
}

/** Where a video lookup ended. */
export type VideoLookup =
  | { found: true, video: VideoRecord }
  | { found: false, reason: 'account' | 'video' }

interface DueTransition { at: number, videoId: string, type: DownloadType }

/** The code of a file-system error (ENOENT, EISDIR...): every fs and steno error has one. */
function errorCode (error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code
}

/**
 * The data file's schema. StoreDataSchema's record of videos lets keys that are not ids through
 * (a key pattern alone does not refuse other keys), so the videos are re-declared closed here.
 */
const DataFileSchema = Type.Object({
  ...StoreDataSchema.properties,
  videos: Type.Record(Type.String({ pattern: ID_PATTERN }), VideoRecordSchema, { additionalProperties: false })
}, { additionalProperties: false })

/**
 * The parsed content of the data file, or undefined when there is none yet. ENOTDIR (a path
 * under a regular file) also means "none": the write at start then reports why it cannot be.
 */
async function readDataFile (file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = errorCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new DataFileError(file, `cannot be read (${code}); fix or remove it to start from the fixtures`)
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new DataFileError(file, `is not valid JSON (${(error as Error).message}); fix or remove it to start from the fixtures`)
  }
}

/**
 * The fixture store: lowdb data keyed by video id for direct lookup, an index of accounts, and
 * a schedule of the mock times at which `time` downloads reach their stop point. Knows nothing
 * of HTTP.
 */
export class DownloadStore {
  private readonly db: Low<StoreData>
  private readonly accounts = new Map<string, Set<string>>()
  private readonly schedule = new MinHeap<DueTransition>((entry) => entry.at)
  private readonly flushDelayMs: number
  private readonly log: StoreLogger
  readonly dataFile: string | undefined
  /** Progression of created downloads whose video names none (from MOCK_SPEED). */
  defaults: Progression
  private flushTimer: NodeJS.Timeout | undefined
  private writing: Promise<void> | undefined
  private dirty = false
  /** Transitions written down since start, by the ticker and by polls. */
  transitionsRecorded = 0
  /** Successful writes of the data file since start, the one at start included. */
  writes = 0

  private constructor (db: Low<StoreData>, options: StoreOptions) {
    this.db = db
    this.dataFile = options.dataFile
    this.defaults = options.defaults
    this.flushDelayMs = options.flushDelayMs ?? 200
    this.log = options.log
  }

  /**
   * Opens the store: from the data file when it exists and is valid, otherwise from the
   * fixtures. A data file that exists but cannot be read or parsed is an error, never a reset.
   */
  static async open (options: StoreOptions): Promise<DownloadStore> {
    const seed: StoreData = {
      format: DATA_FORMAT,
      clock: { nowMs: 0 },
      videos: Object.fromEntries(videosFromFixtures(options.fixtures, options.defaults, 0))
    }
    let seeded = true
    let db: Low<StoreData>
    if (options.dataFile === undefined) {
      db = new Low<StoreData>(new Memory<StoreData>(), seed)
    } else {
      db = new Low<StoreData>(new JSONFile<StoreData>(options.dataFile), seed)
      // Read here rather than through the adapter, which takes a file holding `null` for none.
      const stored = await readDataFile(options.dataFile)
      if (stored !== undefined) {
        assertMatches(DataFileSchema, stored, options.dataFile)
        db.data = stored as StoreData
        seeded = false
      }
      // Write at once, so a folder that cannot be written is an error at start, not later.
      try {
        await db.write()
      } catch (error) {
        throw new DataFileError(options.dataFile, `cannot be written (${errorCode(error)})`)
      }
    }
    const store = new DownloadStore(db, options)
    if (options.dataFile !== undefined) store.writes++
    store.reindex()
    options.log.info({ videos: store.videoCount, dataFile: options.dataFile, seeded }, seeded ? 'store seeded from fixtures' : 'store loaded from the data file')
    return store
  }

  /** Rebuilds the account index and the transition schedule from the data. */
  private reindex (): void {
    this.accounts.clear()
    this.schedule.clear()
    for (const [videoId, video] of Object.entries(this.db.data.videos)) {
      let ids = this.accounts.get(video.account)
      if (ids === undefined) this.accounts.set(video.account, ids = new Set())
      ids.add(videoId)
      for (const type of DOWNLOAD_TYPES) this.scheduleDownload(videoId, video, type)
    }
  }

  private scheduleDownload (videoId: string, video: VideoRecord, type: DownloadType): void {
    const record = video.downloads[type]
    const at = record === undefined ? undefined : nextStopAt(record)
    if (at !== undefined) this.schedule.push({ at, videoId, type })
  }

  private videoById (videoId: string): VideoRecord | undefined {
    return Object.hasOwn(this.db.data.videos, videoId) ? this.db.data.videos[videoId] : undefined
  }

  /** Mock time, in ms. */
  get nowMs (): number {
    return this.db.data.clock.nowMs
  }

  /** Sets mock time. Not a change worth a write of its own: it is saved with the next one. */
  set nowMs (value: number) {
    this.db.data.clock.nowMs = value
  }

  /** How many videos the store holds. */
  get videoCount (): number {
    return Object.keys(this.db.data.videos).length
  }

  /** Finds a video by account and id; ids are unique across accounts. */
  lookup (account: string, videoId: string): VideoLookup {
    const video = this.videoById(videoId)
    if (video !== undefined && video.account === account) return { found: true, video }
    return { found: false, reason: this.accounts.has(account) ? 'video' : 'account' }
  }

  /** The current state of each download the video has. */
  states (video: VideoRecord): Partial<Record<DownloadType, DownloadState>> {
    const states: Partial<Record<DownloadType, DownloadState>> = {}
    for (const type of DOWNLOAD_TYPES) {
      const record = video.downloads[type]
      if (record !== undefined) states[type] = stateAt(record, this.nowMs)
    }
    return states
  }

  /** The state of one download, by video id alone (the media route has no account). */
  stateOf (videoId: string, type: DownloadType): DownloadState | undefined {
    const record = this.videoById(videoId)?.downloads[type]
    return record === undefined ? undefined : stateAt(record, this.nowMs)
  }

  /** Records a client's read of the video's downloads: `polls` downloads take their step. */
  poll (video: VideoRecord): void {
    for (const type of DOWNLOAD_TYPES) {
      const record = video.downloads[type]
      if (record === undefined) continue
      const next = applyPoll(record, this.nowMs)
      if (next === record) continue
      video.downloads[type] = next
      if (next.status !== 'inprogress') this.transitionsRecorded++
      this.changed()
    }
  }

  /**
   * Creates a download of `type` unless one exists; one in `error` starts over, as a retry
   * would. Returns true when a download was (re)created.
   */
  create (videoId: string, video: VideoRecord, type: DownloadType): boolean {
    const existing = video.downloads[type]
    if (existing !== undefined && stateAt(existing, this.nowMs).status !== 'error') return false
    video.downloads[type] = newDownload(resolveProgression(video.onCreate[type], this.defaults), this.nowMs)
    this.scheduleDownload(videoId, video, type)
    this.changed()
    return true
  }

  /** Deletes the download of `type`; false when the video has none. */
  remove (video: VideoRecord, type: DownloadType): boolean {
    if (video.downloads[type] === undefined) return false
    delete video.downloads[type]
    this.changed()
    return true
  }

  /**
   * Writes down every transition due by the current mock time (ready, error, or reaching a
   * hold). Costs O(k log n) for k due entries: downloads with nothing due are not visited.
   */
  settleDue (): number {
    const now = this.nowMs
    let recorded = 0
    for (let entry = this.schedule.peek(); entry !== undefined && entry.at <= now; entry = this.schedule.peek()) {
      this.schedule.pop()
      const video = this.videoById(entry.videoId)
      const record = video?.downloads[entry.type]
      // An entry is stale when its download was deleted or rewritten after it was scheduled.
      if (video === undefined || record === undefined || nextStopAt(record) !== entry.at) continue
      video.downloads[entry.type] = materialize(record, entry.at)
      recorded++
    }
    if (recorded > 0) {
      this.transitionsRecorded += recorded
      this.changed()
    }
    return recorded
  }

  /** How many transitions are scheduled (stale entries included until they come due). */
  get scheduledCount (): number {
    return this.schedule.size
  }

  /** Marks the data changed; with a data file, one write follows within the flush delay. */
  private changed (): void {
    if (this.dataFile === undefined) return
    this.dirty = true
    if (this.flushTimer !== undefined) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      void this.flush()
    }, this.flushDelayMs)
  }

  /** Writes pending changes now, after any write in progress. Logs and never throws. */
  async flush (): Promise<void> {
    while (this.writing !== undefined) await this.writing
    if (!this.dirty) return
    this.dirty = false
    this.writing = this.db.write().then(() => { this.writes++ }, (error: unknown) => {
      // Keep serving from memory; the next change or the close tries the write again.
      this.dirty = true
      this.log.error({ err: error, dataFile: this.dataFile }, 'cannot write the data file; serving from memory')
    }).finally(() => { this.writing = undefined })
    await this.writing
  }

  /** Stops the flush timer and writes everything, mock time included. */
  async close (): Promise<void> {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.dataFile !== undefined) this.dirty = true
    await this.flush()
  }
}
