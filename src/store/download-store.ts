import { ClockBook, GLOBAL_CLOCK, fullClock, newClock, type ClockState } from '../domain/clock-book.js'
import { RefusedChange } from '../domain/errors.js'
import { DOWNLOAD_TYPES, type DownloadType } from '../domain/ids.js'
import type { ClockChange, ClockChangeKind, DownloadCause, DownloadTransition, VideoTransition } from '../domain/events.js'
import { statusPercentProblem } from '../domain/rules.js'
import {
  applyPoll, markShown, materialize, newDownload, nextStopAt, restartsOnCreate, stateAt,
  type DownloadRecord, type DownloadState, type DownloadStatus, type Progression
} from '../domain/progress.js'
import {
  afterUpload, applyVideoPoll, isExpired, newVideoLife, nextVideoChangeAt, settle, videoStateAt,
  type VideoLife, type VideoLifeState, type VideoProgression, type VideoState
} from '../domain/video-progress.js'
import {
  accountFromFixture, accountsFromFixtures, downloadFromFixture, lifeFromFixture, resolveProgression, resolveVideoProgression, videosFromFixtures, type NamedFixture
} from '../seed/load-fixtures.js'
import { FixtureError } from '../seed/fixture-error.js'
import { DATA_FORMAT, type Snapshot, type StoredAccount, type StoreHead, type VideoRecord } from '../schemas/store.js'
import { AccountBook } from './account-book.js'
import { DataFileError } from './data-file.js'
import type { DataFileLock, LockOptions } from './data-file-lock.js'
import type { FileSystem } from './file-system.js'
import { inMemory, openDataFile, type Persistence, type PersistenceSource } from './persistence.js'
import { SigningBook, type SigningMark } from './signing-keys.js'
import { signingKeyLine, tokenKeyLine, webhookLine } from './change-log.js'
import { TransitionSchedule, type DueTransition } from './transition-schedule.js'
import { VideoTable } from './video-table.js'
import type { AccountSettings, DownloadFixture, FixtureDocument, ProgressionSettings, VideoFixture, VideoProgressionSettings } from '../schemas/fixture.js'
import type { VideoDetails } from '../schemas/store.js'

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
  /** Most declared accounts (default MAX_ACCOUNTS). */
  maxAccounts?: number
  /** The data file's file-system calls (default node:fs/promises); tests pass failing ones. */
  fileSystem?: FileSystem
  /** The data file lock's settings (tests: a clock, no heartbeat timer). */
  lock?: Omit<LockOptions, 'fileSystem' | 'onError' | 'onLost'>
}

/** Where a video lookup ended. */
export type VideoLookup =
  | { found: true, video: VideoRecord }
  | { found: false, reason: 'account' | 'video' | 'full' }

/**
 * Most transitions logged one by one for one batch (a tick, a clock step, a read); past it, one
 * line counts the rest, so a step that settles 100,000 downloads does not write 100,000 lines.
 */
export const MAX_TRANSITION_LOGS = 20

/** A download (or, type `video`, a video) that reached `ready` or `error`, for the log. */
interface Transition { video: string, type: DownloadType | 'video', status: DownloadStatus | VideoState, percentComplete: number, mockMs: number }

/** What a video without a lifecycle is: ready since mock 0 (every fixture written before videos had states). */
const READY: VideoLifeState = Object.freeze({ state: 'ready', pctComplete: 100, since: 0 })

/** A video's lifecycle as the admin API shows it: its state now and its progression. */
export type VideoLifeView = VideoLifeState & VideoProgression & { expiresAt?: number }

/** An admin change of a video's lifecycle. */
export interface VideoLifeChange {
  state?: VideoState
  pctComplete?: number
  progression?: VideoProgressionSettings
  /** Drop the video's downloads when the change takes a ready video out of ready (else refused). */
  dropDownloads?: boolean
}

/** A client's edit of a video (POST /stream/{identifier}): only the fields given change. */
export interface VideoEdit {
  meta?: Record<string, unknown>
  creator?: string | null
  requireSignedURLs?: boolean
  allowedOrigins?: string[]
  thumbnailTimestampPct?: number
  /** Mock ms, or null to remove it. */
  scheduledDeletion?: number | null
  maxDurationSeconds?: number
}

/**
 * Most videos the store holds, however they come in (fixtures, the admin API, auto-create): a
 * bound on memory, and a store the server can always start from again (see the bench's open
 * figures in the README: 100,000 videos open in well under a second).
 */
export const MAX_VIDEOS = 100_000

/** The video bound a store opens with: the option, at most MAX_VIDEOS. */
function videoBound (options: { maxVideos?: number }): number {
  return Math.min(options.maxVideos ?? MAX_VIDEOS, MAX_VIDEOS)
}

/** Most accounts with a clock of their own (made by a freeze, advance or rate for the account). */
export const MAX_ACCOUNT_CLOCKS = 100_000

/**
 * Most declared accounts (fixtures and the admin API together): the same bound as accounts with
 * a clock of their own, so that every account the mock can know may also run its own clock.
 */
export const MAX_ACCOUNTS = MAX_ACCOUNT_CLOCKS

/** A declared account (or one that only holds videos) as the admin API shows it. */
export interface AccountView {
  id: string
  /** Declared by a fixture or the admin API; false: it exists only through the videos it holds. */
  declared: boolean
  /** How many videos it holds. */
  videos: number
  description?: string
  /** The settings given for the videos its clients create later. */
  progression?: VideoProgressionSettings
  /** What such a video gets: the settings, the rest from the defaults. */
  videoDefaults: VideoProgression
}

/** How often (real ms) the ticker notes that mock time went on, when nothing else is written. */
const CLOCK_SAVE_INTERVAL_MS = 1000

/** One video as the admin API shows it: its downloads' current state and its settings. */
export interface VideoView {
  id: string
  account: string
  downloads: Partial<Record<DownloadType, DownloadState & DownloadRecordSettings>>
  onCreate: VideoRecord['onCreate']
  requireSignedURLs?: boolean
  /** The video's own state and progression; none: ready since mock 0 (a fixture video that says nothing of it). */
  lifecycle?: VideoLifeView
}

/** The progression fields of a stored download, as the admin API shows them. */
type DownloadRecordSettings = Pick<DownloadRecord, 'model' | 'speed' | 'step' | 'failAt' | 'holdAt'>

/** Changes to one download: fixture fields, with null clearing a fail or hold point. */
export type DownloadPatch = Omit<DownloadFixture, 'failAt' | 'holdAt'> & { failAt?: number | null, holdAt?: number | null }

/**
 * Who hears of the store's changes (the event bus): each download created, moved to another
 * status, set by the admin API or deleted, every one (the log stops at MAX_TRANSITION_LOGS),
 * and each clock change.
 */
export interface StoreListener {
  download: (change: DownloadTransition) => void
  clock: (change: ClockChange) => void
  /** A video's own lifecycle moved on (a transition to a new state). */
  video?: (change: VideoTransition) => void
}

/** A change the store refuses, naming the (plain) field; the admin API answers it with a 400, 404 or 409. */
export class StoreChangeError extends RefusedChange {}

/** The head of a fresh start: mock time 0 on a running global clock, dates from `epochMs`. */
function freshHead (epochMs: number): StoreHead {
  return { format: DATA_FORMAT, epochMs, log: 0, elapsedMs: 0, clock: newClock(0), accountClocks: {} }
}

/** A fresh head with the accounts the fixtures declare (refused past `maxAccounts`). */
function seededHead (fixtures: NamedFixture[], maxAccounts: number, epochMs: number): StoreHead {
  const head = freshHead(epochMs)
  const accounts = accountsFromFixtures(fixtures, maxAccounts)
  if (accounts.size > 0) head.accounts = Object.fromEntries(accounts)
  return head
}

/** Puts the fixtures' videos into the table; refuses more than `maxVideos`, changing nothing. */
function seedTable (table: VideoTable, fixtures: NamedFixture[], defaults: Progression, maxVideos: number, nowMs: number | ((account: string) => number)): void {
  const count = fixtures.reduce((sum, fixture) => sum + fixture.document.videos.length, 0)
  if (count > maxVideos) {
    const source = fixtures.length === 1 ? (fixtures[0] as NamedFixture).source : `${fixtures.length} fixture files`
    throw new FixtureError(source, '$.videos', `${count} videos; the store holds at most ${maxVideos} (MOCK_MAX_VIDEOS)`)
  }
  for (const [videoId, video] of videosFromFixtures(fixtures, defaults, nowMs)) table.put(videoId, video)
}

/**
 * The fixture store: composes the table of videos (the only copy of the records), the declared
 * accounts, the clocks, a transition schedule per clock, and persistence; carries out the Cloudflare and admin
 * operations on them. Knows nothing of HTTP.
 */
export class DownloadStore {
  private readonly table: VideoTable
  private readonly schedule: TransitionSchedule
  private readonly reloadFixtures: () => Promise<NamedFixture[]>
  private readonly configDefaults: Progression
  private persistence: Persistence = inMemory
  readonly dataFile: string | undefined
  /** The global clock and the accounts' own clocks. */
  clocks: ClockBook
  /** Signing keys, webhook subscriptions and the mock's token key (saved with the data). */
  readonly signing: SigningBook
  /** The declared accounts and their settings (saved with the data). */
  private readonly accounts: AccountBook
  /** Progression of created downloads whose video names none (from MOCK_SPEED, or the admin API). */
  defaults: Progression
  /** The defaults set over the admin API (saved), or undefined. */
  private defaultSettings: ProgressionSettings | undefined
  /** Wall time (ms) of mock time 0, from the first load (saved): dates are this plus mock ms. */
  readonly epochMs: number
  private closed = false
  /** Changes of the data since start (see `revision`). */
  private changes = 0
  /** Transitions written down since start, by the ticker and by polls. */
  transitionsRecorded = 0
  private readonly log: StoreLogger
  private readonly wallClock: () => number
  /** Most videos held, and most accounts with a clock of their own. */
  readonly maxVideos: number
  private readonly maxAccountClocks: number
  private readonly maxAccounts: number
  /** When (wall ms) a tick last noted that mock time went on, and the book time then. */
  private clockSavedAt: number
  private clockSavedElapsed = 0
  /** Hears of every download and clock change (the events plugin sets it). */
  listener: StoreListener | undefined

  private constructor (table: VideoTable, head: StoreHead, options: StoreOptions) {
    this.table = table
    const { fixtures } = options
    this.reloadFixtures = options.reloadFixtures ?? (async () => fixtures)
    this.dataFile = options.dataFile
    this.configDefaults = options.defaults
    this.defaultSettings = head.defaults
    this.defaults = resolveProgression(head.defaults, options.defaults)
    this.log = options.log
    this.wallClock = options.wallClock ?? Date.now
    // Every head has one: a fresh start's, or a file's (set when a data@1 file is migrated).
    this.epochMs = head.epochMs as number
    this.maxVideos = videoBound(options)
    this.maxAccountClocks = options.maxAccountClocks ?? MAX_ACCOUNT_CLOCKS
    this.maxAccounts = options.maxAccounts ?? MAX_ACCOUNTS
    this.accounts = new AccountBook(head.accounts)
    this.clockSavedAt = this.wallClock()
    this.clocks = this.bindClocks(head)
    this.signing = new SigningBook(head.signing, (mark) => { this.persistence.signing(mark) })
    this.schedule = new TransitionSchedule((entry, key) => this.isLive(entry, key))
    this.reschedule()
  }

  /**
   * Opens the store: from the data file when it exists and is valid, otherwise from the
   * fixtures. A data file that exists but cannot be read, parsed or used is an error, never a
   * reset.
   */
  static async open (options: StoreOptions): Promise<DownloadStore> {
    const wallClock = options.wallClock ?? Date.now
    const maxVideos = videoBound(options)
    const maxAccounts = options.maxAccounts ?? MAX_ACCOUNTS
    const table = new VideoTable()
    const seed = (): StoreHead => {
      const head = seededHead(options.fixtures, maxAccounts, wallClock())
      seedTable(table, options.fixtures, options.defaults, maxVideos, 0)
      return head
    }
    if (options.dataFile === undefined) {
      const store = new DownloadStore(table, seed(), options)
      options.log.info({ videos: store.videoCount, seeded: true }, 'store seeded from fixtures')
      return store
    }
    const dataFile = options.dataFile
    const opened = await openDataFile(dataFile, table, {
      flushDelayMs: options.flushDelayMs ?? 200,
      log: options.log,
      wallClock,
      fileSystem: options.fileSystem,
      lock: options.lock,
      seed,
      check: (head) => {
        if (table.size > maxVideos) throw new DataFileError(dataFile, `holds ${table.size} videos; the store holds at most ${maxVideos} (MOCK_MAX_VIDEOS): raise it, or remove the file to start from the fixtures`)
        const accounts = Object.keys(head.accounts ?? {}).length
        if (accounts > maxAccounts) throw new DataFileError(dataFile, `declares ${accounts} accounts; the store holds at most ${maxAccounts}: remove some, or remove the file to start from the fixtures`)
      }
    })
    const store = new DownloadStore(table, opened.head, options)
    store.persistence = await opened.attach(store.persistenceSource())
    options.log.info({ videos: store.videoCount, dataFile, seeded: opened.seeded, replayed: opened.replayed }, opened.seeded ? 'store seeded from fixtures' : 'store loaded from the data file')
    return store
  }

  /** What persistence reads of the store. */
  private persistenceSource (): PersistenceSource {
    const reading = (clock: ClockState): ClockState => ({ nowMs: this.clocks.read(clock), frozen: clock.frozen, rate: clock.rate })
    return {
      video: (videoId) => this.table.get(videoId),
      clock: (key) => key === GLOBAL_CLOCK || this.clocks.keyOf(key) === key ? reading(this.clocks.clockAt(key)) : undefined,
      defaults: () => this.defaultSettings,
      elapsedMs: () => this.clocks.elapsedMs,
      videoCount: () => this.table.size,
      signingLine: (f, mark) => this.signingLine(f, mark as SigningMark),
      account: (id) => this.accounts.get(id),
      snapshot: (log): Snapshot => {
        const { global, accounts } = this.clocks.readings()
        const head: StoreHead = { format: DATA_FORMAT, epochMs: this.epochMs, log, elapsedMs: this.clocks.elapsedMs, clock: global, accountClocks: accounts }
        if (this.defaultSettings !== undefined) head.defaults = this.defaultSettings
        head.signing = this.signing.toData()
        const declared = this.accounts.toData()
        if (declared !== undefined) head.accounts = declared
        return { head, videos: [...this.table.entries()] }
      }
    }
  }

  /** The change-log line of a signing change, as it stands now. */
  private signingLine (f: number, mark: SigningMark): string {
    if (mark === 'tokenKey') return tokenKeyLine(f, this.signing.tokenKey as NonNullable<SigningBook['tokenKey']>)
    const [kind, account, id] = mark.split('/') as [string, string, string]
    return kind === 'key' ? signingKeyLine(f, account, id, this.signing.keyAt(account, id)) : webhookLine(f, account, this.signing.webhookOf(account))
  }

  /** A clock book over a head's clock states (filled in where a file left fields out). */
  private bindClocks (head: StoreHead): ClockBook {
    const accounts = head.accountClocks ?? {}
    for (const clock of Object.values(accounts)) fullClock(clock)
    return new ClockBook(fullClock(head.clock), accounts as Record<string, ClockState>, this.wallClock)
  }

  /** Rebuilds the transition schedules from the table. */
  private reschedule (): void {
    this.schedule.rebuild((add) => {
      this.table.forEach((video, videoId) => {
        const key = this.clocks.keyOf(video.account)
        for (const type of DOWNLOAD_TYPES) {
          const entry = this.dueEntry(videoId, video, type)
          if (entry !== undefined) add(key, entry)
        }
        const life = this.lifeEntry(videoId, video)
        if (life !== undefined) add(key, life)
      })
    })
  }

  /** The video's next transition (or expiry), if time alone brings one. */
  private lifeEntry (videoId: string, video: VideoRecord): DueTransition | undefined {
    const life = video.life
    const at = life === undefined ? undefined : nextVideoChangeAt(life)
    return at === undefined ? undefined : { at, videoId, type: 'video', record: life as VideoLife }
  }

  /** Schedules the video's next transition (or expiry) on its clock. */
  private scheduleLife (videoId: string, video: VideoRecord): void {
    const entry = this.lifeEntry(videoId, video)
    if (entry !== undefined) this.schedule.add(this.clocks.keyOf(video.account), entry)
  }

  /** The next stop of a download, when it has one to be scheduled for. */
  private dueEntry (videoId: string, video: VideoRecord, type: DownloadType): DueTransition | undefined {
    const record = video.downloads[type]
    const at = record === undefined ? undefined : nextStopAt(record)
    return at === undefined ? undefined : { at, videoId, type, record: record as DownloadRecord }
  }

  private scheduleVideo (videoId: string, video: VideoRecord): void {
    for (const type of DOWNLOAD_TYPES) this.scheduleDownload(videoId, video, type)
    this.scheduleLife(videoId, video)
  }

  private scheduleDownload (videoId: string, video: VideoRecord, type: DownloadType): void {
    const entry = this.dueEntry(videoId, video, type)
    if (entry !== undefined) this.schedule.add(this.clocks.keyOf(video.account), entry)
  }

  /**
   * Whether a schedule entry still stands: it is stale once its download was deleted or rewritten
   * after it was scheduled, or its account moved to another clock (the new clock has its own).
   */
  private isLive (entry: DueTransition, key: string): boolean {
    const video = this.table.get(entry.videoId)
    if (video === undefined || this.clocks.keyOf(video.account) !== key) return false
    return entry.type === 'video' ? video.life === entry.record : video.downloads[entry.type] === entry.record
  }

  /** Puts a video into the table and schedules its downloads. */
  private putRecord (videoId: string, video: VideoRecord): void {
    this.table.put(videoId, video)
    this.scheduleVideo(videoId, video)
    this.videoChanged(videoId)
  }

  /** The data file's lock, while the store holds it (tests drive its heartbeat). */
  get dataFileLock (): DataFileLock | undefined {
    return this.persistence.lock
  }

  /** Successful writes of the data file since start (appends and snapshots), the first included. */
  get writes (): number {
    return this.persistence.writes
  }

  /** Global mock time, in ms. */
  get nowMs (): number {
    return this.clocks.now()
  }

  /** Mock time of the clock `account` follows. */
  now (account?: string): number {
    return this.clocks.now(account)
  }

  /** How many videos the store holds. */
  get videoCount (): number {
    return this.table.size
  }

  /** The wall time (ms since the epoch): the store's one wall clock (StoreOptions.wallClock), the real time tokens, webhooks and rate limits read. */
  wallMs (): number {
    return this.wallClock()
  }

  /** Wall time (ms) that the mock clock of `account` reads: the epoch plus its mock ms (the epoch rule). */
  mockWallMs (account?: string): number {
    return this.epochMs + this.now(account)
  }

  /** The video of that id when `account` holds it; the fast path of `lookup`. */
  videoIn (account: string, videoId: string): VideoRecord | undefined {
    return this.table.in(account, videoId)
  }

  /**
   * Finds a video by account and id; ids are unique across accounts. With `autoCreate`, an
   * unknown id (not used by another account) comes into being, with no downloads.
   */
  lookup (account: string, videoId: string, autoCreate = false): VideoLookup {
    const known = this.table.in(account, videoId)
    if (known !== undefined) return { found: true, video: known }
    if (autoCreate && this.table.get(videoId) === undefined) {
      if (this.table.size >= this.maxVideos) return { found: false, reason: 'full' }
      const created: VideoRecord = { account, downloads: {}, onCreate: {} }
      this.putRecord(videoId, created)
      return { found: true, video: created }
    }
    return { found: false, reason: this.hasAccount(account) ? 'video' : 'account' }
  }

  /** The state of each download the video has, now or at the mock instant `now` (one request's). */
  states (video: VideoRecord, now = this.now(video.account)): Partial<Record<DownloadType, DownloadState>> {
    const states: Partial<Record<DownloadType, DownloadState>> = {}
    for (const type of DOWNLOAD_TYPES) {
      const record = video.downloads[type]
      if (record !== undefined) states[type] = stateAt(record, now)
    }
    return states
  }

  // ---- videos ---------------------------------------------------------------------------------

  /** The progression of a video whose fixture or creator names none. */
  videoDefaults (): VideoProgression {
    return resolveVideoProgression(undefined, this.defaults)
  }

  /** Where the video's lifecycle stands now (a video without one is ready since mock 0). */
  lifeOf (video: VideoRecord): VideoLifeState {
    return video.life === undefined ? READY : videoStateAt(video.life, this.now(video.account))
  }

  /** Whether the video (by id alone: the media route has no account) is in `error`. */
  videoFailed (videoId: string): boolean {
    const video = this.table.get(videoId)
    return video !== undefined && this.lifeOf(video).state === 'error'
  }

  /**
   * The account's video for the video endpoints: as `lookup`, but a direct upload whose
   * reservation ran out (and that the ticker has not released yet) is released now, and is not found.
   */
  lookupVideo (account: string, videoId: string, autoCreate = false): VideoLookup {
    const found = this.lookup(account, videoId, autoCreate)
    if (!found.found || found.video.life === undefined || !isExpired(found.video.life, this.now(account))) return found
    this.deleteVideo(videoId)
    return { found: false, reason: this.hasAccount(account) ? 'video' : 'account' }
  }

  /** Whether the account is known: declared (fixtures, admin API) or holding a video. */
  hasAccount (account: string): boolean {
    return this.accounts.has(account) || this.table.hasAccount(account)
  }

  /** The progression of a video a client creates in the account: its settings, the rest from the defaults. */
  videoDefaultsOf (account: string): VideoProgression {
    return resolveVideoProgression(this.accounts.get(account)?.progression, this.defaults)
  }

  /** The account's videos with their ids, in the order they came in (reservations that ran out left out). */
  videosOf (account: string): Array<[string, VideoRecord]> {
    const now = this.now(account)
    return [...this.table.ofAccount(account)].filter(([, video]) => video.life === undefined || !isExpired(video.life, now))
  }

  /** The video of that id in any account (the upload url has no account). */
  videoById (videoId: string): VideoRecord | undefined {
    return this.table.get(videoId)
  }

  /**
   * A video a client brings in (copy, direct upload), in `state` from now, with the progression
   * its account's settings give (see videoDefaultsOf). Refused when the store holds MAX_VIDEOS (every way a video comes in counts).
   */
  addVideo (account: string, videoId: string, state: VideoState, details: VideoDetails, options: { requireSignedURLs?: boolean, expiresAt?: number } = {}): VideoRecord {
    if (this.table.size >= this.maxVideos) {
      throw new StoreChangeError('videos', `the store holds at most ${this.maxVideos} videos (MOCK_MAX_VIDEOS)`, 'full')
    }
    const now = this.now(account)
    const record: VideoRecord = {
      account,
      life: newVideoLife(this.videoDefaultsOf(account), state, now, options.expiresAt),
      details: { ...details, created: now, modified: now },
      downloads: {},
      onCreate: {}
    }
    if (options.requireSignedURLs !== undefined) record.requireSignedURLs = options.requireSignedURLs
    this.putRecord(videoId, record)
    return record
  }

  /** Records a client's read of the video's details: a `polls` video takes its step. */
  pollVideo (videoId: string, video: VideoRecord): void {
    const life = video.life
    if (life === undefined || life.model !== 'polls') return
    const now = this.now(video.account)
    const next = applyVideoPoll(settle(life, now), now)
    if (next.state === life.state && next.pct === life.pct) return
    this.replaceLife(videoId, video, next)
  }

  /** A new lifecycle record for the video, scheduled and saved; logs a move to ready or error. */
  private replaceLife (videoId: string, video: VideoRecord, life: VideoLife): void {
    video.life = life
    this.scheduleLife(videoId, video)
    this.videoChanged(videoId)
    if (life.state === 'ready' || life.state === 'error') this.recordTransitions([{ video: videoId, type: 'video', status: life.state, percentComplete: life.pct, mockMs: life.since }], 1, 'admin')
  }

  /** A client's edit of the video's details: the fields given change; `modified` is now. */
  editVideo (videoId: string, video: VideoRecord, edit: VideoEdit): void {
    const details: VideoDetails = { ...video.details, modified: this.now(video.account) }
    if (edit.meta !== undefined) details.meta = edit.meta
    if (edit.creator !== undefined) details.creator = edit.creator
    if (edit.allowedOrigins !== undefined) details.allowedOrigins = edit.allowedOrigins
    if (edit.thumbnailTimestampPct !== undefined) details.thumbnailTimestampPct = edit.thumbnailTimestampPct
    if (edit.maxDurationSeconds !== undefined) details.maxDurationSeconds = edit.maxDurationSeconds
    if (edit.scheduledDeletion === null) delete details.scheduledDeletion
    else if (edit.scheduledDeletion !== undefined) details.scheduledDeletion = edit.scheduledDeletion
    // Replaced, never changed in place, as every part of a record is.
    video.details = details
    if (edit.requireSignedURLs !== undefined) video.requireSignedURLs = edit.requireSignedURLs
    this.videoChanged(videoId)
  }

  /**
   * The upload of a `pendingupload` video arrived (`bytes` long): it moves on to `queued`, or to
   * `error` with ERR_DURATION_EXCEED_CONSTRAINT when its duration (the fixture's or admin API's,
   * default that of the bundled MP4) is over its `maxDurationSeconds`. False, changing nothing,
   * when the video is not waiting for an upload.
   */
  upload (videoId: string, video: VideoRecord, bytes: number, defaultDuration: number): boolean {
    const life = video.life
    if (life?.state !== 'pendingupload') return false
    const now = this.now(video.account)
    const details: VideoDetails = { ...video.details, uploaded: now, modified: now, size: bytes }
    const tooLong = details.maxDurationSeconds !== undefined && (details.duration ?? defaultDuration) > details.maxDurationSeconds
    video.details = details
    this.replaceLife(videoId, video, afterUpload(life, now, tooLong ? 'ERR_DURATION_EXCEED_CONSTRAINT' : undefined))
    return true
  }

  /**
   * The admin API's change of a video's lifecycle, anchored now: its state (and percent, in
   * `inprogress`), its progression (fields given replace the current ones). A change that takes a
   * ready video with downloads out of `ready` is refused naming them, unless `dropDownloads`.
   */
  setVideoLife (videoId: string, change: VideoLifeChange): void {
    const video = this.requireVideo(videoId)
    const now = this.now(video.account)
    const current = this.lifeOf(video)
    const state = change.state ?? current.state
    if (change.pctComplete !== undefined && state !== 'inprogress') {
      throw new StoreChangeError('pctComplete', `only an inprogress video has a pctComplete (the video is ${state})`)
    }
    const names = DOWNLOAD_TYPES.filter((type) => video.downloads[type] !== undefined)
    if (state !== 'ready' && names.length > 0) {
      if (change.dropDownloads !== true) {
        throw new StoreChangeError('state', `video ${videoId} has downloads (${names.join(', ')}), and a video in state ${state} has none: send "dropDownloads": true to delete them with the change`, 'conflict')
      }
      video.downloads = {}
    }
    // The progression goes on as it was (or the defaults), with the fields given replaced.
    const { state: _state, pct: _pct, since: _since, expiresAt: _expiry, ...kept } = video.life ?? { ...this.videoDefaults(), state, pct: 0, since: now }
    const pctComplete = change.pctComplete ?? (state === 'inprogress' && current.state === 'inprogress' ? current.pctComplete : undefined)
    const life = lifeFromFixture({ state, pctComplete, progression: { ...kept, ...change.progression } }, this.defaults, now) as VideoLife
    this.replaceLife(videoId, video, life)
  }

  /** The state of one download, by video id alone (the media route has no account). */
  stateOf (videoId: string, type: DownloadType): DownloadState | undefined {
    const video = this.table.get(videoId)
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
      this.videoChanged(videoId)
    }
    this.recordTransitions(transitions, transitions.length, 'polled')
  }

  /**
   * Records that a client was shown the video's downloads as they stand now: a download in
   * `error` is marked as shown, so that the next create starts it over (see restartsOnCreate).
   */
  shown (videoId: string, video: VideoRecord): void {
    const now = this.now(video.account)
    for (const type of DOWNLOAD_TYPES) {
      const record = video.downloads[type]
      if (record === undefined) continue
      const next = markShown(record, now)
      if (next === record) continue
      video.downloads[type] = next
      this.videoChanged(videoId)
    }
  }

  /**
   * A client's create of a download of `type`. A new one is made when the video has none, or
   * when its one is in an `error` a client has been shown (a retry starts over). Otherwise the
   * create is a read, as a GET is: `polls` downloads take their step. `now` is the request's mock
   * instant (default: the clock's). Returns true when a download was (re)created.
   */
  create (videoId: string, video: VideoRecord, type: DownloadType, now = this.now(video.account)): boolean {
    const existing = video.downloads[type]
    if (existing !== undefined && !restartsOnCreate(existing, now)) {
      this.poll(videoId, video)
      return false
    }
    const created = newDownload(resolveProgression(video.onCreate[type], this.defaults), now)
    video.downloads[type] = created
    this.scheduleDownload(videoId, video, type)
    this.videoChanged(videoId)
    if (created.status !== 'inprogress') this.recordTransitions([{ video: videoId, type, status: created.status, percentComplete: created.percent, mockMs: now }], 1, 'created')
    else this.announce(video.account, videoId, type, created, now, 'created')
    return true
  }

  /**
   * Counts and logs transitions to `ready` or `error`, at info: each one, up to
   * MAX_TRANSITION_LOGS for the batch, then one line for the rest (`total` counts them all;
   * `transitions` need hold no more than the ones logged).
   */
  private recordTransitions (transitions: readonly Transition[], total: number, cause: DownloadCause): void {
    this.transitionsRecorded += total
    if (this.listener !== undefined) {
      for (const { video, type, status, percentComplete, mockMs } of transitions) {
        // Every transition's video is in the table: it was found there to be moved.
        const record = this.table.get(video) as VideoRecord
        if (type === 'video') this.listener.video?.({ type: 'video.transition', account: record.account, video, status, mockMs, detail: { pctComplete: percentComplete } })
        else this.announce(record.account, video, type, record.downloads[type], mockMs, cause)
      }
    }
    for (const transition of transitions.slice(0, MAX_TRANSITION_LOGS)) this.log.info(transition, `${transition.type === 'video' ? 'video' : 'download'} ${transition.status}`)
    const rest = total - MAX_TRANSITION_LOGS
    if (rest > 0) this.log.info({ more: rest }, `${rest} more downloads or videos reached ready or error`)
  }

  /**
   * Tells the listener of a download's state: `record` as it stands at `mockMs`, or deleted when
   * undefined.
   */
  private announce (account: string, video: string, type: DownloadType, record: DownloadRecord | undefined, mockMs: number, cause: DownloadCause): void {
    if (this.listener === undefined) return
    if (record === undefined) {
      this.listener.download({ type: 'download.transition', account, video, downloadType: type, status: 'deleted', mockMs, cause: 'deleted' })
      return
    }
    const state = stateAt(record, mockMs)
    this.listener.download({ type: 'download.transition', account, video, downloadType: type, status: state.status, percentComplete: state.percentComplete, mockMs, cause, model: record.model, speed: record.speed })
  }

  /** Tells the listener of every download a video put by the admin API (or a reset) holds. */
  private announceVideo (videoId: string, video: VideoRecord, cause: DownloadCause): void {
    if (this.listener === undefined) return
    const now = this.now(video.account)
    for (const type of DOWNLOAD_TYPES) {
      if (video.downloads[type] !== undefined || cause === 'deleted') this.announce(video.account, videoId, type, cause === 'deleted' ? undefined : video.downloads[type], now, cause)
    }
  }

  /** Deletes the download of `type`; false when the video has none. */
  remove (videoId: string, video: VideoRecord, type: DownloadType): boolean {
    if (video.downloads[type] === undefined) return false
    delete video.downloads[type]
    this.videoChanged(videoId)
    this.announce(video.account, videoId, type, undefined, this.now(video.account), 'deleted')
    return true
  }

  /**
   * Writes down every transition due by its clock's time (ready, error, or reaching a hold), for
   * the clocks named (default: all). Costs O(k log n) for k due entries: downloads with nothing
   * due are not visited. Nothing is saved for it: a settled record reads as its unsettled one
   * did at every time since, so a restart settles it again.
   */
  settleDue (keys: Iterable<string> = this.schedule.keys()): number {
    let recorded = 0
    let statusChanges = 0
    const transitions: Transition[] = []
    for (const key of keys) {
      const now = this.clocks.read(this.clocks.clockAt(key))
      for (const entry of this.schedule.takeDue(key, now)) {
        const video = this.table.get(entry.videoId) as VideoRecord
        if (entry.type === 'video') {
          recorded++
          const transition = this.settleLife(entry.videoId, video, entry.record, now)
          if (transition === undefined) continue
          // Past the logged ones, a listener (events, webhooks) is still told of each.
          if (++statusChanges <= MAX_TRANSITION_LOGS || this.listener !== undefined) transitions.push(transition)
          continue
        }
        const settled = materialize(entry.record, entry.at)
        video.downloads[entry.type] = settled
        recorded++
        // A hold is a stop too, but not a change of status: only ready and error are logged.
        if (settled.status === 'inprogress') continue
        if (++statusChanges <= MAX_TRANSITION_LOGS || this.listener !== undefined) {
          transitions.push({ video: entry.videoId, type: entry.type, status: settled.status, percentComplete: settled.percent, mockMs: entry.at })
        }
      }
    }
    if (recorded > 0) {
      // Holds count as transitions written down, though they are not logged.
      this.transitionsRecorded += recorded - statusChanges
      this.recordTransitions(transitions, statusChanges, 'settled')
      this.changes++
    }
    return recorded
  }

  /**
   * Writes down a video's transitions due by `now` (each at its own mock time, so a restart
   * derives the same), and schedules its next; a reservation that ran out is released (the video
   * deleted: saved). Returns the transition to log when the video became ready or error.
   */
  private settleLife (videoId: string, video: VideoRecord, life: VideoLife, now: number): Transition | undefined {
    if (isExpired(life, now)) {
      this.deleteVideo(videoId)
      this.log.info({ video: videoId, mockMs: life.expiresAt }, 'direct upload expired: video deleted')
      return undefined
    }
    const settled = settle(life, now)
    video.life = settled
    this.scheduleLife(videoId, video)
    if (settled.state !== 'ready' && settled.state !== 'error') return undefined
    return { video: videoId, type: 'video', status: settled.state, percentComplete: settled.pct, mockMs: settled.since }
  }

  /** How many transitions are scheduled (stale entries included until they come due or are compacted). */
  get scheduledCount (): number {
    return this.schedule.size
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
   * clock needs no moving; one that does not runs `realMs` first. Either way no clock is
   * visited, and the tick costs what is due on the clocks that have something scheduled.
   */
  tick (realMs: number): number {
    if (!this.clocks.following) this.clocks.tick(realMs)
    // That mock time went on is noted about once a second (one short line in the change log):
    // enough that a restart, even after a kill -9, resumes close to where time stopped.
    const now = this.wallClock()
    const elapsed = this.clocks.elapsedMs
    if (now - this.clockSavedAt >= CLOCK_SAVE_INTERVAL_MS && elapsed !== this.clockSavedElapsed && this.clocks.anyRunning()) {
      this.clockSavedAt = now
      this.clockSavedElapsed = elapsed
      this.persistence.alive()
    }
    return this.settleDue()
  }

  /**
   * Moves the clock of `account` (its own clock, made if needed) or the global clock on by `ms`,
   * whether frozen or not, and records what came due. Returns the transitions recorded.
   */
  advance (ms: number, account?: string): number {
    const key = account === undefined ? GLOBAL_CLOCK : this.detach(account)
    const clock = this.clocks.clockAt(key)
    this.clocks.anchor(clock)
    clock.nowMs += ms
    this.clockChanged(key)
    this.announceClock(key, 'advance', ms)
    return this.settleDue([key])
  }

  /** Freezes, resumes or sets the rate of a clock (an account's own, made if needed, or the global one). */
  setClock (change: { frozen?: boolean, rate?: number }, account?: string): ClockState {
    const key = account === undefined ? GLOBAL_CLOCK : this.detach(account)
    const clock = this.clocks.clockAt(key)
    this.clocks.anchor(clock)
    if (change.frozen !== undefined) clock.frozen = change.frozen
    if (change.rate !== undefined) clock.rate = change.rate
    this.clockChanged(key)
    this.announceClock(key, change.rate !== undefined ? 'rate' : change.frozen === true ? 'freeze' : 'resume')
    return clock
  }

  /**
   * Tells the listener of a clock's change: the clock of `key` as it reads now, for `account`
   * (default: the clock's own; an account put back on the global clock names itself).
   */
  private announceClock (key: string, change: ClockChangeKind, ms?: number, account: string | undefined = key === GLOBAL_CLOCK ? undefined : key): void {
    if (this.listener === undefined) return
    const clock = this.clocks.clockAt(key)
    this.listener.clock({ type: 'clock.change', ...(account === undefined ? {} : { account }), change, nowMs: this.clocks.read(clock), frozen: clock.frozen, rate: clock.rate, ...(ms === undefined ? {} : { ms }) })
  }

  /**
   * Gives `account` a clock of its own and moves its schedule there; returns the clock's key.
   * Refused, changing nothing, when MAX_ACCOUNT_CLOCKS accounts have one already.
   */
  private detach (account: string): string {
    if (this.clocks.keyOf(account) !== account && this.clocks.accountClocks >= this.maxAccountClocks) {
      throw new StoreChangeError('account', `at most ${this.maxAccountClocks} accounts have a clock of their own; reset an account to give its clock back`, 'full')
    }
    if (this.clocks.detach(account)) {
      for (const [videoId, video] of this.table.ofAccount(account)) this.scheduleVideo(videoId, video)
    }
    return account
  }

  // ---- admin changes --------------------------------------------------------------------------

  /** Every video (of one account, when given), with its downloads' state and settings; `offset` and `limit` take a page of them, in the table's order. */
  listVideos (account?: string, page: { offset?: number, limit?: number } = {}): VideoView[] {
    const videos = account === undefined ? this.table.entries() : this.table.ofAccount(account).entries()
    const offset = page.offset ?? 0
    const end = offset + (page.limit ?? Number.POSITIVE_INFINITY)
    // Views are built for the page only: a page of 50 out of 100,000 costs 50 views, not 100,000.
    const views: VideoView[] = []
    let index = 0
    for (const [id, video] of videos) {
      if (index >= end) break
      if (index++ >= offset) views.push(this.view(id, video))
    }
    return views
  }

  /** How many videos `listVideos(account)` lists in all (every video, or one account's). */
  countVideos (account?: string): number {
    return account === undefined ? this.table.size : this.table.ofAccount(account).size
  }

  /** One video as the admin API shows it, or undefined. */
  getVideo (videoId: string): VideoView | undefined {
    const video = this.table.get(videoId)
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
    const view: VideoView = { id, account: video.account, downloads, onCreate: video.onCreate }
    if (video.requireSignedURLs === true) view.requireSignedURLs = true
    if (video.life !== undefined) view.lifecycle = this.lifeView(video.life, video.account)
    return view
  }

  /** A video's lifecycle as the admin API shows it. */
  private lifeView (life: VideoLife, account: string): VideoLifeView {
    const { state: _state, pct: _pct, since: _since, ...progression } = life
    return { ...progression, ...videoStateAt(life, this.now(account)) }
  }

  /** Creates or replaces a video from its fixture (validated by the caller); true when new. */
  putVideo (fixture: VideoFixture): boolean {
    return this.putVideos([fixture]) === 1
  }

  /** Creates or replaces videos from fixtures (validated by the caller); returns how many were new. */
  putVideos (fixtures: VideoFixture[]): number {
    const adding = new Set(fixtures.filter((fixture) => this.table.get(fixture.id) === undefined).map((fixture) => fixture.id)).size
    if (this.table.size + adding > this.maxVideos) {
      throw new StoreChangeError('videos', `the store holds at most ${this.maxVideos} videos (MOCK_MAX_VIDEOS): it holds ${this.table.size}, and this adds ${adding}; delete some, or reset`, 'full')
    }
    const records = videosFromFixtures([{ source: 'admin', document: { videos: fixtures } }], this.defaults, (account) => this.now(account))
    for (const [videoId, record] of records) {
      this.putRecord(videoId, record)
      this.announceVideo(videoId, record, 'admin')
    }
    return adding
  }

  /** Deletes a video and its downloads; false when there is none. */
  deleteVideo (videoId: string): boolean {
    const deleted = this.table.delete(videoId)
    if (deleted === undefined) return false
    this.videoChanged(videoId)
    this.announceVideo(videoId, deleted, 'deleted')
    return true
  }

  /** Sets how downloads created later by clients progress, for one video and type. */
  setOnCreate (videoId: string, type: DownloadType, settings: ProgressionSettings | undefined): void {
    const video = this.requireVideo(videoId)
    // Replaced, never changed in place: videos share one empty `onCreate` (see VideoTable).
    const onCreate = { ...video.onCreate }
    if (settings === undefined) delete onCreate[type]
    else onCreate[type] = settings
    video.onCreate = onCreate
    this.videoChanged(videoId)
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
    if (problem !== undefined) throw new StoreChangeError('percentComplete', problem)
    video.downloads[type] = downloadFromFixture(merged, this.defaults, now)
    this.scheduleDownload(videoId, video, type)
    this.videoChanged(videoId)
    this.announce(video.account, videoId, type, video.downloads[type], now, 'admin')
  }

  /** Creates or replaces one download from a (checked) fixture entry, anchored now. */
  setDownload (videoId: string, type: DownloadType, fixture: DownloadFixture): void {
    const video = this.requireVideo(videoId)
    const now = this.now(video.account)
    video.downloads[type] = downloadFromFixture(fixture, this.defaults, now)
    this.scheduleDownload(videoId, video, type)
    this.videoChanged(videoId)
    this.announce(video.account, videoId, type, video.downloads[type], now, 'admin')
  }

  /** Deletes one download of a video that must exist; false when it has none of that type. */
  removeDownload (videoId: string, type: DownloadType): boolean {
    return this.remove(videoId, this.requireVideo(videoId), type)
  }

  private requireVideo (videoId: string): VideoRecord {
    const video = this.table.get(videoId)
    if (video === undefined) throw new StoreChangeError('video', `no video ${videoId}`, 'not-found')
    return video
  }

  /** Sets the global default progression of created downloads (unset fields: the configured ones). */
  setDefaults (settings: ProgressionSettings): Progression {
    this.defaultSettings = settings
    this.defaults = resolveProgression(settings, this.configDefaults)
    this.changes++
    this.persistence.defaults()
    return this.defaults
  }

  /**
   * Puts everything back as the fixtures have it (read again: a fixture file edited since the
   * start shows its new content): all videos at mock time 0 on a running global clock, no
   * account clocks, the configured defaults; the epoch stays. With `account`, only that
   * account's videos go back to the fixtures (at its current mock time), and it follows the
   * global clock again. Throws the FixtureError of fixtures that no longer load, having changed
   * nothing.
   */
  async reset (account?: string): Promise<void> {
    // Read first: fixtures that no longer load refuse the reset before anything changes.
    const fixtures = await this.reloadFixtures()
    const accounts = accountsFromFixtures(fixtures, this.maxAccounts)
    if (account === undefined) {
      const table = new VideoTable()
      seedTable(table, fixtures, this.configDefaults, this.maxVideos, 0)
      this.table.clear()
      for (const [videoId, video] of table.entries()) this.table.put(videoId, video)
      const following = this.clocks.following
      this.clocks = this.bindClocks(freshHead(this.epochMs))
      this.clocks.follow(following)
      this.defaults = this.configDefaults
      this.defaultSettings = undefined
      this.signing.clearAccounts()
      this.accounts.replace(accounts)
      this.reschedule()
      this.changes++
      this.persistence.all()
      this.announceClock(GLOBAL_CLOCK, 'reset')
      return
    }
    for (const videoId of [...this.table.ofAccount(account).keys()]) this.deleteVideo(videoId)
    this.signing.clearAccount(account)
    // Declared by the fixtures: back to their settings; declared over the admin API only: gone.
    const declared = accounts.get(account)
    if (declared !== undefined) this.accounts.set(account, declared)
    else this.accounts.delete(account)
    this.persistence.account(account)
    if (this.clocks.attach(account)) this.clockChanged(account)
    this.announceClock(GLOBAL_CLOCK, 'reset', undefined, account)
    for (const [videoId, record] of videosFromFixtures(fixtures, this.configDefaults, this.clocks.now())) {
      if (record.account === account) {
        this.putRecord(videoId, record)
        this.announceVideo(videoId, record, 'admin')
      }
    }
    this.changes++
  }

  // ---- accounts -------------------------------------------------------------------------------

  /** The declared accounts, as the admin API shows them. */
  listAccounts (): AccountView[] {
    return Array.from(this.accounts.entries(), ([id, settings]) => this.accountViewOf(id, settings))
  }

  /** An account the mock knows (declared, or holding videos) as the admin API shows it, or undefined. */
  getAccount (id: string): AccountView | undefined {
    return this.hasAccount(id) ? this.accountViewOf(id, this.accounts.get(id)) : undefined
  }

  private accountViewOf (id: string, settings: StoredAccount | undefined): AccountView {
    const view: AccountView = { id, declared: settings !== undefined, videos: this.table.ofAccount(id).size, videoDefaults: this.videoDefaultsOf(id) }
    if (settings?.description !== undefined) view.description = settings.description
    if (settings?.progression !== undefined) view.progression = settings.progression
    return view
  }

  /**
   * Declares an account, or replaces its settings (validated by the caller); true when it was
   * not declared before. Refused past MAX_ACCOUNTS declared accounts, changing nothing.
   */
  putAccount (id: string, settings: AccountSettings): boolean {
    const created = !this.accounts.has(id)
    this.roomForAccounts(created ? 1 : 0)
    this.setAccount(id, accountFromFixture(settings))
    return created
  }

  /** Refuses `adding` more declared accounts when they would pass the bound. */
  private roomForAccounts (adding: number): void {
    if (this.accounts.size + adding > this.maxAccounts) {
      throw new StoreChangeError('account', `at most ${this.maxAccounts} accounts are declared (it holds ${this.accounts.size}, and this adds ${adding}); delete some, or reset`, 'full')
    }
  }

  private setAccount (id: string, settings: StoredAccount): void {
    this.accounts.set(id, settings)
    this.changes++
    this.persistence.account(id)
  }

  /**
   * Removes an account's declaration. Refused when it is not declared (not-found) or still
   * holds videos (conflict: delete them, or reset the account), changing nothing.
   */
  deleteAccount (id: string): void {
    if (!this.accounts.has(id)) throw new StoreChangeError('account', `no declared account ${id}`, 'not-found')
    const videos = this.table.ofAccount(id).size
    if (videos > 0) throw new StoreChangeError('account', `account ${id} still holds videos (${videos}): delete them first (DELETE /__mock/videos/{video}), or reset the account`, 'conflict')
    this.accounts.delete(id)
    this.changes++
    this.persistence.account(id)
  }

  /**
   * Loads a (checked) fixture document over the admin API: its accounts are declared (their
   * settings replaced) and its videos created or replaced; returns how many videos were new.
   * Either bound refuses the whole document, changing nothing.
   */
  loadDocument (document: FixtureDocument): number {
    const accounts = accountsFromFixtures([{ source: 'body', document }], Number.POSITIVE_INFINITY)
    let adding = 0
    for (const id of accounts.keys()) if (!this.accounts.has(id)) adding++
    this.roomForAccounts(adding)
    const created = this.putVideos(document.videos)
    for (const [id, settings] of accounts) this.setAccount(id, settings)
    return created
  }

  // ---- persistence ----------------------------------------------------------------------------

  /**
   * Moves on with every change of the data (never with time alone): what was built from the
   * data at one revision holds until the next.
   */
  get revision (): number {
    return this.changes
  }

  private videoChanged (videoId: string): void {
    this.changes++
    this.persistence.video(videoId)
  }

  private clockChanged (key: string): void {
    this.changes++
    this.persistence.clock(key)
  }

  /** Writes pending changes now, after any write in progress. Logs and never throws. */
  async flush (): Promise<void> {
    await this.persistence.flush()
  }

  /**
   * Writes everything pending (mock time included) and releases the data file's lock. When that
   * last write fails, throws a DataFileError naming the file and the error's code: the changes
   * since the last good write are lost, and the server says so (exit 1). A second close does
   * nothing.
   */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.persistence.close()
  }
}
