import { Low, Memory } from 'lowdb'
import { ClockBook, GLOBAL_CLOCK, newClock, type ClockState } from '../domain/clock-book.js'
import { RefusedChange } from '../domain/errors.js'
import { DOWNLOAD_TYPES, type DownloadType } from '../domain/ids.js'
import { MinHeap } from '../domain/min-heap.js'
import { statusPercentProblem } from '../domain/rules.js'
import {
  applyPoll, markShown, materialize, newDownload, nextStopAt, restartsOnCreate, stateAt,
  type DownloadRecord, type DownloadState, type DownloadStatus, type Progression
} from '../domain/progress.js'
import { downloadFromFixture, resolveProgression, videosFromFixtures, type NamedFixture } from '../seed/load-fixtures.js'
import { assertMatches } from '../seed/validate.js'
import { FixtureError, pointerToJsonPath } from '../seed/fixture-error.js'
import { DATA_FORMAT, StoreDataSchema, type StoreData, type VideoRecord } from '../schemas/store.js'
import { DataFile, DataFileError, errorCode, readDataFile } from './data-file.js'
import { DataFileLock, type LockOptions } from './data-file-lock.js'
import type { FileSystem } from './file-system.js'
import type { DownloadFixture, ProgressionSettings, VideoFixture } from '../schemas/fixture.js'

export { DataFileError }

/** The least a store needs of a logger (pino's interface). */
export interface StoreLogger {
  info: (obj: object, msg?: string) => void
  error: (obj: object, msg?: string) => void
}

export interface StoreOptions {
  /** The fixtures to seed from at the first start. Not kept: `reloadFixtures` gives them again. */
  fixtures: NamedFixture[]
  /**
   * The fixtures as they are now, for a reset (default: the seeding ones, kept in memory). The
   * app reads its fixture files again, so the store need not hold a parsed copy of them.
   */
  reloadFixtures?: () => Promise<NamedFixture[]>
  /** Progression of downloads whose fixture or video says nothing of it. */
  defaults: Progression
  /** When set, state is kept in this file (lowdb, through DataFile) and survives restarts. */
  dataFile?: string
  /** How long changes may wait before they are written together (ms). */
  flushDelayMs?: number
  log: StoreLogger
  /** Wall-clock time in ms (default Date.now); tests pass their own. */
  wallClock?: () => number
  /** Most videos held (default and at most MAX_VIDEOS; MOCK_MAX_VIDEOS). */
  maxVideos?: number
  /** Most accounts with a clock of their own (default MAX_ACCOUNT_CLOCKS). */
  maxAccountClocks?: number
  /** The data file's file-system calls (default node:fs/promises); tests pass failing ones. */
  fileSystem?: FileSystem
  /** The data file lock's settings (tests: a clock, no heartbeat timer). */
  lock?: Omit<LockOptions, 'fileSystem' | 'onError' | 'onLost'>
}

/**
 * Checks the rules of a download's state in (schema-valid) stored data: the same ones as a
 * fixture's (`statusPercentProblem`). Throws a FixtureError naming the file and the JSON path.
 */
function assertStoredStates (data: StoreData, file: string): void {
  for (const videoId of Object.keys(data.videos)) {
    const downloads = (data.videos[videoId] as VideoRecord).downloads
    for (const type of DOWNLOAD_TYPES) {
      const record = downloads[type]
      const problem = record === undefined ? undefined : statusPercentProblem(record.status, record.percent)
      if (problem !== undefined) throw new FixtureError(file, pointerToJsonPath(`/videos/${videoId}/downloads/${type}/percent`), problem)
    }
  }
}

/** Where a video lookup ended. */
export type VideoLookup =
  | { found: true, video: VideoRecord }
  | { found: false, reason: 'account' | 'video' | 'full' }

/**
 * A download's next stop on its clock's schedule. `record` is the record it was scheduled for:
 * records are replaced, never changed in place, so an entry whose record is no longer the
 * download's own is stale.
 */
interface DueTransition { at: number, videoId: string, type: DownloadType, record: DownloadRecord }

/**
 * Most transitions logged one by one for one batch (a tick, a clock step, a read); past it, one
 * line counts the rest, so a step that settles 100,000 downloads does not write 100,000 lines.
 */
export const MAX_TRANSITION_LOGS = 20

/** A download that reached `ready` or `error`, for the log. */
interface Transition { video: string, type: DownloadType, status: DownloadStatus, percentComplete: number, mockMs: number }

/**
 * Most videos the store holds, however they come in (fixtures, the admin API, auto-create): a
 * bound on memory, and a store the server can always start from again (opening 100,000 videos
 * takes a few seconds of CPU on a small machine, well inside Fastify's plugin timeout).
 */
export const MAX_VIDEOS = 100_000

/** The video bound a store opens with: the option, at most MAX_VIDEOS. */
function videoBound (options: { maxVideos?: number }): number {
  return Math.min(options.maxVideos ?? MAX_VIDEOS, MAX_VIDEOS)
}

/** Most accounts with a clock of their own (made by a freeze, advance or rate for the account). */
export const MAX_ACCOUNT_CLOCKS = 100_000

/**
 * A clock's schedule is compacted (entries of deleted or rewritten downloads dropped) once it
 * holds this many entries more than it held live at its last compaction: the cost stays O(1) per
 * change amortized, and memory stays proportional to the live downloads however many come and
 * go while a clock is frozen.
 */
const COMPACT_SLACK = 1024

/** How often (real ms) the ticker asks for mock time to be saved when nothing else changes. */
const CLOCK_SAVE_INTERVAL_MS = 1000

/** A stored clock with its optional fields filled in. */
function fullClock (clock: { nowMs: number, frozen?: boolean, rate?: number }): ClockState {
  clock.frozen ??= false
  clock.rate ??= 1
  return clock as ClockState
}

/** One video as the admin API shows it: its downloads' current state and its settings. */
export interface VideoView {
  id: string
  account: string
  downloads: Partial<Record<DownloadType, DownloadState & DownloadRecordSettings>>
  onCreate: VideoRecord['onCreate']
}

/** The progression fields of a stored download, as the admin API shows them. */
type DownloadRecordSettings = Pick<DownloadRecord, 'model' | 'speed' | 'step' | 'failAt' | 'holdAt'>

/** Changes to one download: fixture fields, with null clearing a fail or hold point. */
export type DownloadPatch = Omit<DownloadFixture, 'failAt' | 'holdAt'> & { failAt?: number | null, holdAt?: number | null }

/** The `onCreate` of every video that has none of its own: shared, so it is frozen. */
const NO_SETTINGS: VideoRecord['onCreate'] = Object.freeze({})

/** A change the store refuses, naming the field; the admin API answers it with a 400 or 404. */
export class StoreChangeError extends RefusedChange {}

/**
 * The fixture store: lowdb data keyed by video id for direct lookup, an index of accounts, the
 * clocks (global and per account), and for each clock a schedule of the mock times at which
 * `time` downloads reach their stop point. Knows nothing of HTTP.
 */
export class DownloadStore {
  private readonly db: Low<StoreData>
  private readonly reloadFixtures: () => Promise<NamedFixture[]>
  private readonly configDefaults: Progression
  /**
   * Each account holding videos: its id (the one string all its videos share) and its videos by
   * id (the same records as the data's, kept in step by indexVideo and unindexVideo).
   */
  private readonly accounts = new Map<string, { id: string, videos: Map<string, VideoRecord> }>()
  private readonly schedules = new Map<string, MinHeap<DueTransition>>()
  /** Per schedule, the size above which it is compacted next (see COMPACT_SLACK). */
  private readonly compactAt = new Map<string, number>()
  /** Videos in the account index (kept in step by indexVideo and unindexVideo). */
  private videoTotal = 0
  private readonly flushDelayMs: number
  private readonly log: StoreLogger
  readonly dataFile: string | undefined
  /** The global clock and the accounts' own clocks; their state lives in the data. */
  clocks: ClockBook
  /** Progression of created downloads whose video names none (from MOCK_SPEED, or the admin API). */
  defaults: Progression
  private flushTimer: NodeJS.Timeout | undefined
  private writing: Promise<void> | undefined
  /** The data file's lock, held from open to close. */
  private lock: DataFileLock | undefined
  /** The error of the last failed write (the code goes into close's error). */
  private lastWriteError: unknown
  private closed = false
  private dirty = false
  /** Changes of the data since start (see `revision`). */
  private changes = 0
  /** Transitions written down since start, by the ticker and by polls. */
  transitionsRecorded = 0
  /** Successful writes of the data file since start, the one at start included. */
  writes = 0
  private readonly wallClock: () => number
  /** Most videos held, and most accounts with a clock of their own. */
  readonly maxVideos: number
  private readonly maxAccountClocks: number
  /** When (wall ms) a tick last asked for mock time to be saved. */
  private clockSavedAt: number

  private constructor (db: Low<StoreData>, options: StoreOptions) {
    this.db = db
    const { fixtures } = options
    this.reloadFixtures = options.reloadFixtures ?? (async () => fixtures)
    this.dataFile = options.dataFile
    this.configDefaults = options.defaults
    this.defaults = resolveProgression(db.data.defaults, options.defaults)
    this.flushDelayMs = options.flushDelayMs ?? 200
    this.log = options.log
    this.wallClock = options.wallClock ?? Date.now
    this.maxVideos = videoBound(options)
    this.maxAccountClocks = options.maxAccountClocks ?? MAX_ACCOUNT_CLOCKS
    this.clockSavedAt = this.wallClock()
    this.clocks = this.bindClocks()
  }

  /**
   * Opens the store: from the data file when it exists and is valid, otherwise from the
   * fixtures. A data file that exists but cannot be read or parsed is an error, never a reset.
   */
  static async open (options: StoreOptions): Promise<DownloadStore> {
    let seeded = true
    let db: Low<StoreData>
    let opened: DownloadStore | undefined
    let lock: DataFileLock | undefined
    const seed = DownloadStore.seed(options.fixtures, options.defaults, videoBound(options))
    if (options.dataFile === undefined) {
      db = new Low<StoreData>(new Memory<StoreData>(), seed)
    } else {
      const dataFile = options.dataFile
      // The writer lists the videos from the store's index once the store exists.
      const adapter = new DataFile(dataFile, { videosOf: (data) => opened?.videosOf(data), fileSystem: options.fileSystem })
      db = new Low<StoreData>(adapter, seed)
      // Before reading: another server on the same file would overwrite what this one writes.
      lock = await DataFileLock.acquire(dataFile, {
        ...options.lock,
        fileSystem: options.fileSystem,
        onError: (error) => { options.log.error({ err: error, dataFile }, 'cannot refresh the data file\'s lock') },
        onLost: (holder) => {
          options.log.error({ dataFile, holder }, 'another server took the data file\'s lock over; no longer writing the data file, serving from memory')
        }
      })
      try {
        // Read here rather than through the adapter, which takes a file holding `null` for none.
        const stored = await readDataFile(dataFile, options.fileSystem)
        if (stored !== undefined) {
          assertMatches(StoreDataSchema, stored, dataFile)
          assertStoredStates(stored as StoreData, dataFile)
          db.data = stored as StoreData
          seeded = false
        }
        // Holding the lock, nobody else writes beside the file: what is there was left by a kill.
        await adapter.removeLeftovers()
        // Write at once, so a folder that cannot be written is an error at start, not later.
        try {
          await db.write()
        } catch (error) {
          throw new DataFileError(dataFile, `cannot be written (${errorCode(error)})`, errorCode(error))
        }
      } catch (error) {
        await lock.release()
        throw error
      }
    }
    const store = new DownloadStore(db, options)
    store.lock = lock
    if (options.dataFile !== undefined) store.writes++
    store.reindex()
    opened = store
    options.log.info({ videos: store.videoCount, dataFile: options.dataFile, seeded }, seeded ? 'store seeded from fixtures' : 'store loaded from the data file')
    return store
  }

  /** The data of a fresh start: the fixtures at mock time 0 on a running global clock. */
  private static seed (fixtures: NamedFixture[], defaults: Progression, maxVideos: number): StoreData {
    const count = fixtures.reduce((sum, fixture) => sum + fixture.document.videos.length, 0)
    if (count > maxVideos) {
      const source = fixtures.length === 1 ? (fixtures[0] as NamedFixture).source : `${fixtures.length} fixture files`
      throw new FixtureError(source, '$.videos', `${count} videos; the store holds at most ${maxVideos} (MOCK_MAX_VIDEOS)`)
    }
    return {
      format: DATA_FORMAT,
      clock: newClock(0),
      accountClocks: {},
      videos: Object.fromEntries(videosFromFixtures(fixtures, defaults, 0))
    }
  }

  /** A clock book over the data's clock states (filled in where a file left fields out). */
  private bindClocks (): ClockBook {
    const data = this.db.data
    data.accountClocks ??= {}
    for (const clock of Object.values(data.accountClocks)) fullClock(clock)
    return new ClockBook(fullClock(data.clock), data.accountClocks as Record<string, ClockState>, this.wallClock)
  }

  /** Rebuilds the account index and the transition schedules from the data. */
  private reindex (): void {
    this.accounts.clear()
    this.schedules.clear()
    this.compactAt.clear()
    this.videoTotal = 0
    for (const [videoId, video] of Object.entries(this.db.data.videos)) this.indexVideo(videoId, video)
  }

  /**
   * Indexes a video, and shares what many videos hold alike: each account's id as one string,
   * and one empty `onCreate`. With 100,000 videos that is about 100 bytes a video less.
   */
  private indexVideo (videoId: string, video: VideoRecord): void {
    let account = this.accounts.get(video.account)
    if (account === undefined) this.accounts.set(video.account, account = { id: video.account, videos: new Map() })
    video.account = account.id
    if (video.onCreate !== NO_SETTINGS && Object.keys(video.onCreate).length === 0) video.onCreate = NO_SETTINGS
    if (!account.videos.has(videoId)) this.videoTotal++
    account.videos.set(videoId, video)
    for (const type of DOWNLOAD_TYPES) this.scheduleDownload(videoId, video, type)
  }

  private unindexVideo (videoId: string, video: VideoRecord): void {
    const account = this.accounts.get(video.account)
    if (account?.videos.delete(videoId) === true) this.videoTotal--
    if (account?.videos.size === 0) this.accounts.delete(video.account)
  }

  private scheduleDownload (videoId: string, video: VideoRecord, type: DownloadType): void {
    const record = video.downloads[type]
    const at = record === undefined ? undefined : nextStopAt(record)
    if (at === undefined) return
    const key = this.clocks.keyOf(video.account)
    let schedule = this.schedules.get(key)
    if (schedule === undefined) this.schedules.set(key, schedule = new MinHeap<DueTransition>((entry) => entry.at))
    schedule.push({ at, videoId, type, record: record as DownloadRecord })
    if (schedule.size > (this.compactAt.get(key) ?? COMPACT_SLACK)) this.compact(key, schedule)
  }

  /** Drops a schedule's stale entries (see settleDue), and sets when it is compacted next. */
  private compact (key: string, schedule: MinHeap<DueTransition>): void {
    schedule.retain((entry) => this.isLive(entry, key))
    this.compactAt.set(key, schedule.size + COMPACT_SLACK)
  }

  /**
   * Whether a schedule entry still stands: it is stale once its download was deleted or rewritten
   * after it was scheduled, or its account moved to another clock (the new clock has its own).
   */
  private isLive (entry: DueTransition, key: string): boolean {
    const video = this.videoById(entry.videoId)
    return video !== undefined && video.downloads[entry.type] === entry.record && this.clocks.keyOf(video.account) === key
  }

  private videoById (videoId: string): VideoRecord | undefined {
    return Object.hasOwn(this.db.data.videos, videoId) ? this.db.data.videos[videoId] : undefined
  }

  /** The data file's lock, while the store holds it (tests drive its heartbeat). */
  get dataFileLock (): DataFileLock | undefined {
    return this.lock
  }

  /** Global mock time, in ms. */
  get nowMs (): number {
    return this.clocks.now()
  }

  /** Mock time of the clock `account` follows. */
  now (account?: string): number {
    return this.clocks.now(account)
  }

  /** How many videos the store holds (kept by the index: /healthz asks often). */
  get videoCount (): number {
    return this.videoTotal
  }

  /**
   * The data's videos with their ids, for the data file's writer: copied from the index, which
   * is much quicker than listing the keys of the data's one big object. Undefined for data that
   * is no longer the store's (a reset replaced it): the writer then lists that data itself.
   */
  videosOf (data: StoreData): Array<[string, VideoRecord]> | undefined {
    if (data !== this.db.data) return undefined
    const listed: Array<[string, VideoRecord]> = []
    for (const account of this.accounts.values()) for (const entry of account.videos) listed.push(entry)
    return listed
  }

  /** The video of that id when `account` holds it; the fast path of `lookup`. */
  videoIn (account: string, videoId: string): VideoRecord | undefined {
    return this.accounts.get(account)?.videos.get(videoId)
  }

  /**
   * Finds a video by account and id; ids are unique across accounts. With `autoCreate`, an
   * unknown id (not used by another account) comes into being, with no downloads.
   */
  lookup (account: string, videoId: string, autoCreate = false): VideoLookup {
    const known = this.videoIn(account, videoId)
    if (known !== undefined) return { found: true, video: known }
    if (autoCreate && this.videoById(videoId) === undefined) {
      if (this.videoTotal >= this.maxVideos) return { found: false, reason: 'full' }
      const created: VideoRecord = { account, downloads: {}, onCreate: {} }
      this.db.data.videos[videoId] = created
      this.indexVideo(videoId, created)
      this.changed()
      return { found: true, video: created }
    }
    return { found: false, reason: this.accounts.has(account) ? 'video' : 'account' }
  }

  /** The current state of each download the video has. */
  states (video: VideoRecord): Partial<Record<DownloadType, DownloadState>> {
    const states: Partial<Record<DownloadType, DownloadState>> = {}
    const now = this.now(video.account)
    for (const type of DOWNLOAD_TYPES) {
      const record = video.downloads[type]
      if (record !== undefined) states[type] = stateAt(record, now)
    }
    return states
  }

  /** The state of one download, by video id alone (the media route has no account). */
  stateOf (videoId: string, type: DownloadType): DownloadState | undefined {
    const video = this.videoById(videoId)
    const record = video?.downloads[type]
    return video === undefined || record === undefined ? undefined : stateAt(record, this.now(video.account))
  }

  /** Records a client's read of the video's downloads: `polls` downloads take their step. */
  poll (videoId: string, video: VideoRecord): void {
    const now = this.now(video.account)
    const transitions: Transition[] = []
    for (const type of DOWNLOAD_TYPES) {
      const record = video.downloads[type]
      if (record === undefined) continue
      const next = applyPoll(record, now)
      if (next === record) continue
      video.downloads[type] = next
      if (next.status !== 'inprogress') transitions.push({ video: videoId, type, status: next.status, percentComplete: next.percent, mockMs: now })
      this.changed()
    }
    this.recordTransitions(transitions)
  }

  /**
   * Records that a client was shown the video's downloads as they stand now: a download in
   * `error` is marked as shown, so that the next create starts it over (see restartsOnCreate).
   */
  shown (video: VideoRecord): void {
    const now = this.now(video.account)
    for (const type of DOWNLOAD_TYPES) {
      const record = video.downloads[type]
      if (record === undefined) continue
      const next = markShown(record, now)
      if (next === record) continue
      video.downloads[type] = next
      this.changed()
    }
  }

  /**
   * A client's create of a download of `type`. A new one is made when the video has none, or
   * when its one is in an `error` a client has been shown (a retry starts over). Otherwise the
   * create is a read, as a GET is: `polls` downloads take their step. Returns true when a
   * download was (re)created.
   */
  create (videoId: string, video: VideoRecord, type: DownloadType): boolean {
    const now = this.now(video.account)
    const existing = video.downloads[type]
    if (existing !== undefined && !restartsOnCreate(existing, now)) {
      this.poll(videoId, video)
      return false
    }
    const created = newDownload(resolveProgression(video.onCreate[type], this.defaults), now)
    video.downloads[type] = created
    this.scheduleDownload(videoId, video, type)
    this.changed()
    if (created.status !== 'inprogress') this.recordTransitions([{ video: videoId, type, status: created.status, percentComplete: created.percent, mockMs: now }])
    return true
  }

  /**
   * Counts and logs transitions to `ready` or `error`, at info: each one, up to
   * MAX_TRANSITION_LOGS for the batch, then one line for the rest (`total` counts them all;
   * `transitions` need hold no more than the ones logged).
   */
  private recordTransitions (transitions: readonly Transition[], total = transitions.length): void {
    this.transitionsRecorded += total
    for (const transition of transitions.slice(0, MAX_TRANSITION_LOGS)) this.log.info(transition, `download ${transition.status}`)
    const rest = total - MAX_TRANSITION_LOGS
    if (rest > 0) this.log.info({ more: rest }, `${rest} more downloads reached ready or error`)
  }

  /** Deletes the download of `type`; false when the video has none. */
  remove (video: VideoRecord, type: DownloadType): boolean {
    if (video.downloads[type] === undefined) return false
    delete video.downloads[type]
    this.changed()
    return true
  }

  /**
   * Writes down every transition due by its clock's time (ready, error, or reaching a hold), for
   * the clocks named (default: all). Costs O(k log n) for k due entries: downloads with nothing
   * due are not visited.
   */
  settleDue (keys: Iterable<string> = [...this.schedules.keys()]): number {
    let recorded = 0
    let statusChanges = 0
    const transitions: Transition[] = []
    for (const key of keys) {
      const schedule = this.schedules.get(key)
      if (schedule === undefined) continue
      const now = this.clocks.now(key === GLOBAL_CLOCK ? undefined : key)
      for (let entry = schedule.peek(); entry !== undefined && entry.at <= now; entry = schedule.peek()) {
        schedule.pop()
        if (!this.isLive(entry, key)) continue
        const video = this.videoById(entry.videoId) as VideoRecord
        const settled = materialize(entry.record, entry.at)
        video.downloads[entry.type] = settled
        recorded++
        // A hold is a stop too, but not a change of status: only ready and error are logged.
        if (settled.status === 'inprogress') continue
        if (++statusChanges <= MAX_TRANSITION_LOGS) {
          transitions.push({ video: entry.videoId, type: entry.type, status: settled.status, percentComplete: settled.percent, mockMs: entry.at })
        }
      }
    }
    if (recorded > 0) {
      // Holds count as transitions written down, though they are not logged.
      this.transitionsRecorded += recorded - statusChanges
      this.recordTransitions(transitions, statusChanges)
      this.changed()
    }
    return recorded
  }

  /** How many transitions are scheduled (stale entries included until they come due). */
  get scheduledCount (): number {
    let count = 0
    for (const schedule of this.schedules.values()) count += schedule.size
    return count
  }

  // ---- clocks ---------------------------------------------------------------------------------

  /**
   * Clocks follow the wall clock (the ticker runs) or not (`autoTick: false`): see ClockBook.
   * Following, a clock's time is derived from its anchor when read, and `tick` only writes down
   * what came due.
   */
  follow (on: boolean): void {
    this.clocks.follow(on)
  }

  /**
   * One ticker period of `realMs`: due transitions are recorded. A book that follows the wall
   * clock needs no moving, and the tick costs what is due on the clocks that have something
   * scheduled, however many clocks there are; one that does not is stepped by `realMs` first.
   */
  tick (realMs: number): number {
    const following = this.clocks.following
    const moved = following ? [...this.schedules.keys()] : this.clocks.tick(realMs)
    // Mock time alone is saved about once a second, not on every tick: enough that a restart,
    // even after a kill -9, resumes close to where time stopped, without a write per tick.
    // Following, only a clock that runs has moved: frozen ones cost no write.
    const now = this.wallClock()
    if (now - this.clockSavedAt >= CLOCK_SAVE_INTERVAL_MS && (following ? this.clocks.anyRunning() : moved.length > 0)) {
      this.clockSavedAt = now
      this.changed()
    }
    return this.settleDue(moved)
  }

  /**
   * Moves the clock of `account` (its own clock, made if needed) or the global clock on by `ms`,
   * whether frozen or not, and records what came due. Returns the transitions recorded.
   */
  advance (ms: number, account?: string): number {
    const key = account === undefined ? GLOBAL_CLOCK : this.detach(account)
    const clock = account === undefined ? this.clocks.global : this.clocks.clockOf(account)
    this.clocks.anchor(clock)
    clock.nowMs += ms
    this.changed()
    return this.settleDue([key])
  }

  /** Freezes, resumes or sets the rate of a clock (an account's own, made if needed, or the global one). */
  setClock (change: { frozen?: boolean, rate?: number }, account?: string): ClockState {
    if (account !== undefined) this.detach(account)
    const clock = this.clocks.clockOf(account)
    this.clocks.anchor(clock)
    if (change.frozen !== undefined) clock.frozen = change.frozen
    if (change.rate !== undefined) clock.rate = change.rate
    this.changed()
    return clock
  }

  /**
   * Gives `account` a clock of its own and moves its schedule there; returns the clock's key.
   * Refused, changing nothing, when MAX_ACCOUNT_CLOCKS accounts have one already.
   */
  private detach (account: string): string {
    if (this.clocks.keyOf(account) !== account && this.clocks.accountClocks >= this.maxAccountClocks) {
      throw new StoreChangeError('account', `at most ${this.maxAccountClocks} accounts have a clock of their own; reset an account to give its clock back`, 'full')
    }
    if (this.clocks.detach(account)) this.rescheduleAccount(account)
    return account
  }

  private rescheduleAccount (account: string): void {
    for (const [videoId, video] of this.accounts.get(account)?.videos ?? []) {
      for (const type of DOWNLOAD_TYPES) this.scheduleDownload(videoId, video, type)
    }
  }

  // ---- admin changes --------------------------------------------------------------------------

  /** Every video (of one account, when given), with its downloads' state and settings. */
  listVideos (account?: string): VideoView[] {
    const videos = account === undefined ? Object.entries(this.db.data.videos) : [...this.accounts.get(account)?.videos ?? []]
    return videos.map(([id, video]) => this.view(id, video))
  }

  /** One video as the admin API shows it, or undefined. */
  getVideo (videoId: string): VideoView | undefined {
    const video = this.videoById(videoId)
    return video === undefined ? undefined : this.view(videoId, video)
  }

  private view (id: string, video: VideoRecord): VideoView {
    const downloads: VideoView['downloads'] = {}
    const states = this.states(video)
    for (const type of DOWNLOAD_TYPES) {
      const record = video.downloads[type]
      if (record === undefined) continue
      const { model, speed, step, failAt, holdAt } = record
      downloads[type] = { ...states[type] as DownloadState, model, speed, step, ...(failAt === undefined ? {} : { failAt }), ...(holdAt === undefined ? {} : { holdAt }) }
    }
    return { id, account: video.account, downloads, onCreate: video.onCreate }
  }

  /** Creates or replaces a video from its fixture (validated by the caller); true when new. */
  putVideo (fixture: VideoFixture): boolean {
    return this.putVideos([fixture]) === 1
  }

  /** Creates or replaces videos from fixtures (validated by the caller); returns how many were new. */
  putVideos (fixtures: VideoFixture[]): number {
    const adding = new Set(fixtures.filter((fixture) => this.videoById(fixture.id) === undefined).map((fixture) => fixture.id)).size
    if (this.videoTotal + adding > this.maxVideos) {
      throw new StoreChangeError('videos', `the store holds at most ${this.maxVideos} videos (MOCK_MAX_VIDEOS): it holds ${this.videoTotal}, and this adds ${adding}; delete some, or reset`, 'full')
    }
    const records = videosFromFixtures([{ source: 'admin', document: { videos: fixtures } }], this.defaults, (account) => this.now(account))
    let created = 0
    for (const [videoId, record] of records) {
      const existing = this.videoById(videoId)
      if (existing === undefined) created++
      else this.unindexVideo(videoId, existing)
      this.db.data.videos[videoId] = record
      this.indexVideo(videoId, record)
    }
    this.changed()
    return created
  }

  /** Deletes a video and its downloads; false when there is none. */
  deleteVideo (videoId: string): boolean {
    const video = this.videoById(videoId)
    if (video === undefined) return false
    this.unindexVideo(videoId, video)
    delete this.db.data.videos[videoId]
    this.changed()
    return true
  }

  /** Sets how downloads created later by clients progress, for one video and type. */
  setOnCreate (videoId: string, type: DownloadType, settings: ProgressionSettings | undefined): void {
    const video = this.requireVideo(videoId)
    // Replaced, never changed in place: videos share one empty `onCreate` (see indexVideo).
    const onCreate = { ...video.onCreate }
    if (settings === undefined) delete onCreate[type]
    else onCreate[type] = settings
    video.onCreate = onCreate
    this.changed()
  }

  /**
   * Changes one download: its state (status, percent) and progression, anchored now. Fields not
   * given keep their current value; `failAt: null` and `holdAt: null` remove those points (a
   * held download is released). A download that does not exist is created from the patch.
   */
  patchDownload (videoId: string, type: DownloadType, patch: DownloadPatch): void {
    const video = this.requireVideo(videoId)
    const now = this.now(video.account)
    const existing = video.downloads[type]
    const current = existing === undefined ? undefined : materialize(existing, now)
    const merged: DownloadFixture = {
      model: patch.model ?? current?.model,
      speed: patch.speed ?? current?.speed,
      step: patch.step ?? current?.step
    }
    const failAt = patch.failAt === null ? undefined : patch.failAt ?? current?.failAt
    const holdAt = patch.holdAt === null ? undefined : patch.holdAt ?? current?.holdAt
    if (failAt !== undefined) merged.failAt = failAt
    if (holdAt !== undefined) merged.holdAt = holdAt
    // A new status without a percent starts from the natural one (0, or 100 when ready), but
    // `error` fails the download where it stands, as a real failure would.
    const statusChanged = patch.status !== undefined && patch.status !== current?.status
    const percent = patch.percentComplete ?? (statusChanged && patch.status !== 'error' ? undefined : current?.percent)
    const status = patch.status ?? (percent === 100 ? 'ready' : current?.status === 'ready' && percent !== undefined ? 'inprogress' : current?.status)
    if (status !== undefined) merged.status = status
    if (percent !== undefined) merged.percentComplete = percent
    const problem = statusPercentProblem(merged.status, merged.percentComplete)
    if (problem !== undefined) throw new StoreChangeError('body.percentComplete', problem)
    video.downloads[type] = downloadFromFixture(merged, this.defaults, now)
    this.scheduleDownload(videoId, video, type)
    this.changed()
  }

  /** Creates or replaces one download from a (checked) fixture entry, anchored now. */
  setDownload (videoId: string, type: DownloadType, fixture: DownloadFixture): void {
    const video = this.requireVideo(videoId)
    video.downloads[type] = downloadFromFixture(fixture, this.defaults, this.now(video.account))
    this.scheduleDownload(videoId, video, type)
    this.changed()
  }

  /** Deletes one download of a video that must exist; false when it has none of that type. */
  removeDownload (videoId: string, type: DownloadType): boolean {
    return this.remove(this.requireVideo(videoId), type)
  }

  private requireVideo (videoId: string): VideoRecord {
    const video = this.videoById(videoId)
    if (video === undefined) throw new StoreChangeError('params.video', `no video ${videoId}`, 'not-found')
    return video
  }

  /** Sets the global default progression of created downloads (unset fields: the configured ones). */
  setDefaults (settings: ProgressionSettings): Progression {
    this.db.data.defaults = settings
    this.defaults = resolveProgression(settings, this.configDefaults)
    this.changed()
    return this.defaults
  }

  /**
   * Puts everything back as the fixtures have it (read again: a fixture file edited since the
   * start shows its new content): all videos at mock time 0 on a running global clock, no
   * account clocks, the configured defaults. With `account`, only that account's videos go back
   * to the fixtures (at its current mock time), and it follows the global clock again. Throws
   * the FixtureError of fixtures that no longer load, having changed nothing.
   */
  async reset (account?: string): Promise<void> {
    // Read first: fixtures that no longer load refuse the reset before anything changes.
    const fixtures = await this.reloadFixtures()
    if (account === undefined) {
      this.db.data = DownloadStore.seed(fixtures, this.configDefaults, this.maxVideos)
      const following = this.clocks.following
      this.clocks = this.bindClocks()
      this.clocks.follow(following)
      this.defaults = this.configDefaults
      this.reindex()
    } else {
      for (const videoId of [...this.accounts.get(account)?.videos.keys() ?? []]) this.deleteVideo(videoId)
      this.clocks.attach(account)
      const records = videosFromFixtures(fixtures, this.configDefaults, this.clocks.now())
      for (const [videoId, record] of records) {
        if (record.account !== account) continue
        const existing = this.videoById(videoId)
        if (existing !== undefined) this.unindexVideo(videoId, existing)
        this.db.data.videos[videoId] = record
        this.indexVideo(videoId, record)
      }
    }
    this.changed()
  }

  // ---- persistence ----------------------------------------------------------------------------

  /**
   * Moves on with every change of the data (never with time alone): what was built from the
   * data at one revision holds until the next.
   */
  get revision (): number {
    return this.changes
  }

  /** Marks the data changed; with a data file, one write follows within the flush delay. */
  private changed (): void {
    this.changes++
    if (this.dataFile === undefined || this.closed) return
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
    if (this.lock?.lost !== undefined) {
      // Another server writes the file now: writing too would undo its writes (logged when lost).
      this.lastWriteError = new DataFileError(this.dataFile as string, 'was taken over by another server', 'ELOCKLOST')
      return
    }
    this.dirty = false
    // The file saves each clock's reading, not an anchor the wall has long left behind.
    this.clocks.settle()
    this.writing = this.db.write().then(() => { this.writes++ }, (error: unknown) => {
      // Keep serving from memory; the next change or the close tries the write again.
      this.dirty = true
      this.lastWriteError = error
      this.log.error({ err: error, dataFile: this.dataFile }, 'cannot write the data file; serving from memory')
    }).finally(() => { this.writing = undefined })
    await this.writing
  }

  /**
   * Stops the flush timer, writes everything (mock time included) and releases the data file's
   * lock. When that last write fails, throws a DataFileError naming the file and the error's
   * code: the changes since the last good write are lost, and the server says so (exit 1).
   * A second close does nothing.
   */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.dataFile === undefined) return
    this.dirty = true
    await this.flush()
    await this.lock?.release()
    if (this.dirty) {
      const code = errorCode(this.lastWriteError) ?? (this.lastWriteError as Error).name
      throw new DataFileError(this.dataFile, `cannot write the final state; changes since the last write are lost (${code})`, code)
    }
  }
}
