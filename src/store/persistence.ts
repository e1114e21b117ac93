/**
 * Persistence of the store: nothing (state in memory), or MOCK_DATA_FILE, which is a snapshot
 * (lowdb, through the DataFile adapter) and a change log beside it (change-log.ts), under a lock
 * (data-file-lock.ts). Changes are marked as they happen and written together within the flush
 * delay: as lines appended to the log and synced, so a change is on the disk within the window
 * whatever the store's size. The log is folded into a new snapshot (compacted) once it outgrows
 * the last one, after a reset, and after a start that replayed one; appends go on into the next
 * log meanwhile. See the README's "State and persistence".
 */
import { basename, dirname, join } from 'node:path'
import { Low } from 'lowdb'
import type { ClockState } from '../domain/clock-book.js'
import type { ProgressionSettings } from '../schemas/fixture.js'
import { DATA_FORMAT, type Snapshot, type StoredAccount, type StoreHead, type VideoRecord } from '../schemas/store.js'
import { accountLine, aliveLine, clockLine, defaultsLine, finishReplay, openLine, replayLog, startReplay, videoLine, type VideoSink } from './change-log.js'
import { DataFile, DataFileError, errorCode } from './data-file.js'
import { DataFileLock, type LockOptions } from './data-file-lock.js'
import { nodeFileSystem, syncDirectory, writeAll, type FileHandleLike, type FileSystem } from './file-system.js'

/** The least persistence needs of a logger (pino's interface). */
export interface PersistenceLogger {
  info: (obj: object, msg?: string) => void
  error: (obj: object, msg?: string) => void
}

/** What persistence reads of the store when it writes. */
export interface PersistenceSource {
  /** A video as it is now, or undefined once deleted. */
  video: (videoId: string) => VideoRecord | undefined
  /** A clock's state anchored now, or undefined for an account that no longer has its own. */
  clock: (key: string) => ClockState | undefined
  /** The global defaults set over the admin API. */
  defaults: () => ProgressionSettings | undefined
  /** Book time now (ClockBook.elapsedMs). */
  elapsedMs: () => number
  /** How many videos there are. */
  videoCount: () => number
  /** The change-log line of a signing change as it stands now (see SigningMark). */
  signingLine: (f: number, mark: string) => string
  /** A declared account's settings, or undefined once it is no longer declared. */
  account: (id: string) => StoredAccount | undefined
  /** Everything, taken in one synchronous step, for a snapshot that the log `log` follows. */
  snapshot: (log: number) => Snapshot
}

/** Where state is kept: what the store calls as it changes. */
export interface Persistence {
  /** Successful writes (appends and snapshots), the one at start included. */
  readonly writes: number
  /** The data file's lock, while held. */
  readonly lock: DataFileLock | undefined
  video: (videoId: string) => void
  clock: (key: string) => void
  defaults: () => void
  /** A signing key, a webhook subscription or the token key changed (see SigningMark). */
  signing: (mark: string) => void
  /** An account was declared, changed or removed. */
  account: (id: string) => void
  /** Everything changed (a reset): a snapshot follows. */
  all: () => void
  /** Mock time went on: a short line says so (see change-log.ts). */
  alive: () => void
  /** Writes what is pending now, after any write in progress; logs and never throws. */
  flush: () => Promise<void>
  /** Writes everything pending and lets the file go; throws a DataFileError when that fails. */
  close: () => Promise<void>
}

/** State in memory only: nothing to write. */
export const inMemory: Persistence = {
  writes: 0,
  lock: undefined,
  video: () => {},
  clock: () => {},
  defaults: () => {},
  signing: () => {},
  account: () => {},
  all: () => {},
  alive: () => {},
  flush: async () => {},
  close: async () => {}
}

/** The data of a Low before it read a snapshot, or when the file has none. */
const NO_SNAPSHOT: Snapshot = { head: { format: DATA_FORMAT, clock: { nowMs: 0 } }, videos: [] }

/** A log is folded into a snapshot once it holds more than this and more than the last snapshot. */
export const MIN_COMPACT_BYTES = 1024 * 1024

/**
 * Past this many videos changed in one batch (and a quarter of the store), a snapshot is
 * written instead of a line for each: a reload of 100,000 videos costs one file, not two.
 */
const BIG_BATCH = 1000

export interface DataFileOptions {
  flushDelayMs: number
  log: PersistenceLogger
  wallClock: () => number
  fileSystem?: FileSystem
  lock?: Omit<LockOptions, 'fileSystem' | 'onError' | 'onLost'>
  /** Fills the sink from the fixtures, for a first start; returns the head to start from. */
  seed: () => StoreHead
  /** Checks what was loaded (the bounds on videos and declared accounts); throws to refuse it. */
  check: (head: StoreHead) => void
}

/** What opening a data file gives: the state's head (the videos are in the sink), and the writer. */
export interface Opened {
  /** The snapshot brought up to date by its logs (clocks at their last readings), or the seed's. */
  head: StoreHead
  /** True when there was no data file: the state is the fixtures'. */
  seeded: boolean
  /** Lines replayed from change logs. */
  replayed: number
  /**
   * Binds the writer to the store: opens this process's log (the first snapshot too, when
   * seeded). Throws a DataFileError when the folder cannot be written, having released the lock.
   */
  attach: (source: PersistenceSource) => Promise<Persistence>
}

/** The change logs beside `file` (`<name>.<n>.log`), by generation. */
async function listLogs (fileSystem: FileSystem, file: string): Promise<number[]> {
  const prefix = `${basename(file)}.`
  const names = await fileSystem.readdir(dirname(file)).catch(() => [] as string[])
  const generations: number[] = []
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.log')) continue
    const middle = name.slice(prefix.length, -'.log'.length)
    if (/^\d{1,15}$/.test(middle)) generations.push(Number(middle))
  }
  return generations.sort((a, b) => a - b)
}

/** The change log of generation `n`. */
export function logPath (file: string, n: number): string {
  return join(dirname(file), `${basename(file)}.${n}.log`)
}

/**
 * Opens a data file: takes its lock, reads the snapshot and replays its logs into `videos`.
 * Throws a DataFileError (in use, unreadable, unwritable) or a FixtureError (breaks the rules),
 * having released the lock.
 */
export async function openDataFile (file: string, videos: VideoSink, options: DataFileOptions): Promise<Opened> {
  const fileSystem = options.fileSystem ?? nodeFileSystem
  const log = options.log
  const lock = await DataFileLock.acquire(file, {
    ...options.lock,
    fileSystem,
    onError: (error) => { log.error({ err: error, dataFile: file }, 'cannot refresh the data file\'s lock') },
    onLost: (holder) => {
      log.error({ dataFile: file, holder }, 'another server took the data file\'s lock over; no longer writing the data file, serving from memory')
    }
  })
  try {
    const adapter = new DataFile(file, { fileSystem, wallClock: options.wallClock })
    // lowdb writes the snapshots; the open reads the file straight into the table (readInto).
    const db = new Low<Snapshot>(adapter, NO_SNAPSHOT)
    const stored = await adapter.readInto((videoId, video) => { videos.put(videoId, video) })
    const generations = await listLogs(fileSystem, file)
    let head: StoreHead
    let replayed = 0
    const seeded = stored === null
    if (seeded) {
      head = options.seed()
    } else {
      const replay = startReplay(stored, videos)
      // Set on every head read (see checkStoredHead): the first log the snapshot does not hold.
      const from = stored.log as number
      for (const n of generations) {
        if (n < from) continue
        replayLog(replay, await fileSystem.readFile(logPath(file, n), 'utf8'), logPath(file, n))
      }
      head = finishReplay(replay)
      replayed = replay.lines
    }
    options.check(head)
    // Holding the lock, nobody else writes beside the file: what is there was left by a kill.
    await adapter.removeLeftovers()
    const writer = new DataFileWriter(file, db, adapter, lock, (generations.at(-1) ?? 0) + 1, fileSystem, options)
    return {
      head,
      seeded,
      replayed,
      attach: async (source) => {
        // After a start from a file, one snapshot folds what was replayed (and migrates an older
        // format), in the background: the server serves meanwhile.
        await writer.start(source, seeded)
        return writer
      }
    }
  } catch (error) {
    await lock.release()
    throw error
  }
}

/** What a batch took from the marks, to put back when it fails. */
interface Marks { videos: Set<string>, clocks: Set<string>, signing: Set<string>, accounts: Set<string>, defaults: boolean, alive: boolean, all: boolean }

/** No marks. */
function noMarks (): Marks {
  return { videos: new Set(), clocks: new Set(), signing: new Set(), accounts: new Set(), defaults: false, alive: false, all: false }
}

/** The writer of a data file: marks, coalescing, appends, snapshots, close. */
class DataFileWriter implements Persistence {
  private readonly file: string
  private readonly db: Low<Snapshot>
  private readonly adapter: DataFile
  readonly lock: DataFileLock
  private readonly fileSystem: FileSystem
  private readonly flushDelayMs: number
  private readonly log: PersistenceLogger
  private readonly wallClock: () => number
  private source!: PersistenceSource
  /** The log appended to, its generation, and its length up to its last whole line. */
  private generation: number
  private logHandle: FileHandleLike | undefined
  private logBytes = 0
  /** A failed append could not be cut back: the next write starts a new log (a snapshot). */
  private logBroken = false
  private marks: Marks = noMarks()
  private timer: NodeJS.Timeout | undefined
  /** File work runs one at a time, in order: appends and the switch to a new log. */
  private queue: Promise<unknown> = Promise.resolve()
  /** The snapshots written and being written, one after another (compactNow never rejects). */
  private compactions: Promise<void> = Promise.resolve()
  private lastError: unknown
  private closed = false
  writes = 0

  /** Writes snapshots through `db`, the Low that read the file (over `adapter`, whose byte count it reads). */
  constructor (file: string, db: Low<Snapshot>, adapter: DataFile, lock: DataFileLock, generation: number, fileSystem: FileSystem, options: DataFileOptions) {
    this.file = file
    this.adapter = adapter
    this.db = db
    this.lock = lock
    this.generation = generation
    this.fileSystem = fileSystem
    this.flushDelayMs = options.flushDelayMs
    this.log = options.log
    this.wallClock = options.wallClock
  }

  /**
   * Opens this process's log (so a folder that cannot be written is an error at start, not
   * later), and writes the first snapshot when there is none. A snapshot of what was replayed
   * follows in the background.
   */
  async start (source: PersistenceSource, seeded: boolean): Promise<void> {
    this.source = source
    try {
      const handle = await this.fileSystem.open(logPath(this.file, this.generation), 'a')
      this.logHandle = handle
      await this.appendText(openLine(this.wallClock()))
      await syncDirectory(this.fileSystem, dirname(this.file))
      if (seeded) await this.writeSnapshot(source.snapshot(this.generation))
      // The log's first line and the first snapshot are one write: the one at start.
      this.writes = 1
    } catch (error) {
      await this.logHandle?.close().catch(() => {})
      await this.lock.release()
      throw new DataFileError(this.file, `cannot be written (${errorCode(error)})`, errorCode(error))
    }
    if (!seeded) this.all()
  }

  video (videoId: string): void { this.marks.videos.add(videoId); this.schedule() }
  clock (key: string): void { this.marks.clocks.add(key); this.schedule() }
  defaults (): void { this.marks.defaults = true; this.schedule() }
  signing (mark: string): void { this.marks.signing.add(mark); this.schedule() }
  account (id: string): void { this.marks.accounts.add(id); this.schedule() }
  all (): void { this.marks.all = true; this.schedule() }
  alive (): void { this.marks.alive = true; this.schedule() }

  private get pending (): boolean {
    const marks = this.marks
    return marks.all || marks.defaults || marks.alive || marks.videos.size > 0 || marks.clocks.size > 0 || marks.signing.size > 0 || marks.accounts.size > 0
  }

  /** One write follows within the flush delay. */
  private schedule (): void {
    if (this.closed || this.timer !== undefined) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, this.flushDelayMs)
  }

  private take (): Marks {
    const taken = this.marks
    this.marks = noMarks()
    return taken
  }

  /** Puts marks back after a failed write: the next change or the close tries again. */
  private putBack (taken: Marks): void {
    for (const part of ['videos', 'clocks', 'signing', 'accounts'] as const) {
      for (const mark of taken[part]) this.marks[part].add(mark)
    }
    this.marks.defaults ||= taken.defaults
    this.marks.alive ||= taken.alive
    this.marks.all ||= taken.all
  }

  private failed (error: unknown, part: 'change log' | 'snapshot'): void {
    this.lastError = error
    this.log.error({ err: error, dataFile: this.file, part }, 'cannot write the data file; serving from memory')
  }

  private async enqueue<T> (work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work)
    this.queue = run.catch(() => {})
    return await run
  }

  async flush (): Promise<void> {
    // Appends never wait for a snapshot being written, only for the file work before them. With
    // nothing marked, a snapshot being written may hold what was: the flush ends with it.
    await this.queue
    if (!this.pending) {
      await this.compactions
      return
    }
    if (this.lock.lost !== undefined) {
      // Another server writes the file now: writing too would undo its writes (logged when lost).
      this.lastError = new DataFileError(this.file, 'was taken over by another server', 'ELOCKLOST')
      return
    }
    const marks = this.marks
    const big = marks.videos.size > Math.max(BIG_BATCH, this.source.videoCount() / 4)
    if (marks.all || this.logBroken || big) {
      await this.compact()
      return
    }
    await this.enqueue(async () => { await this.appendMarked() })
    // What was marked is on the disk now. A log grown past its snapshot is folded, and the flush
    // ends with it; appends made meanwhile, by other flushes, do not wait for it.
    if (this.logBytes > Math.max(MIN_COMPACT_BYTES, this.adapter.bytes)) await this.compact()
  }

  /** Appends a line for each change marked, synced; on failure the marks stay for the next try. */
  private async appendMarked (): Promise<void> {
    const taken = this.take()
    const f = this.source.elapsedMs()
    let text = ''
    for (const videoId of taken.videos) text += videoLine(f, videoId, this.source.video(videoId))
    for (const key of taken.clocks) text += clockLine(f, key, this.source.clock(key))
    if (taken.defaults) text += defaultsLine(f, this.source.defaults())
    for (const mark of taken.signing) text += this.source.signingLine(f, mark)
    for (const id of taken.accounts) text += accountLine(f, id, this.source.account(id))
    if (text === '' && taken.alive) text = aliveLine(f)
    if (text === '') return
    try {
      await this.appendText(text)
    } catch (error) {
      this.putBack(taken)
      this.failed(error, 'change log')
    }
  }

  /**
   * Appends whole lines and syncs them. A failed append may have left part of a line: the log is
   * cut back to its last whole line, or, when that fails too, the next write starts a new log.
   */
  private async appendText (text: string): Promise<void> {
    const handle = this.logHandle as FileHandleLike
    // The log still there under its name: appends to a file removed (or its folder) would
    // succeed and be lost. The next write then starts a new log, with a snapshot.
    await this.fileSystem.stat(logPath(this.file, this.generation)).catch((error: unknown) => {
      this.logBroken = true
      throw error
    })
    try {
      await writeAll(handle, text)
      await handle.sync()
    } catch (error) {
      await handle.truncate(this.logBytes).catch(() => { this.logBroken = true })
      throw error
    }
    this.logBytes += Buffer.byteLength(text)
    this.writes++
  }

  /**
   * Folds the log into a new snapshot: what is marked is appended first (so nothing waits for
   * the snapshot to be durable), then appends switch to a new log and everything is taken in one
   * step; the snapshot is written while appends go on; the logs it covers are removed.
   */
  private async compact (): Promise<void> {
    // One at a time; a reset during one needs one of its own, after it.
    const run = this.compactions.then(async () => { await this.compactNow() })
    this.compactions = run
    await run
  }

  private async compactNow (): Promise<void> {
    let taken: Marks | undefined
    let snapshot: Snapshot
    try {
      snapshot = await this.enqueue(async () => {
        if (!this.marks.all && !this.logBroken) await this.appendMarked()
        const next = this.generation + 1
        const handle = await this.fileSystem.open(logPath(this.file, next), 'a')
        await syncDirectory(this.fileSystem, dirname(this.file)).catch(async (error: unknown) => { await handle.close(); throw error })
        const old = this.logHandle
        this.logHandle = handle
        this.generation = next
        this.logBytes = 0
        this.logBroken = false
        taken = this.take()
        await old?.close().catch(() => {})
        return this.source.snapshot(next)
      })
    } catch (error) {
      this.failed(error, 'change log')
      return
    }
    try {
      await this.writeSnapshot(snapshot)
    } catch (error) {
      this.putBack({ ...taken as Marks, all: true })
      this.failed(error, 'snapshot')
      return
    }
    for (const n of await listLogs(this.fileSystem, this.file)) {
      if (n < this.generation) await this.fileSystem.unlink(logPath(this.file, n)).catch(() => {})
    }
  }

  private async writeSnapshot (snapshot: Snapshot): Promise<void> {
    this.db.data = snapshot
    try {
      await this.db.write()
    } finally {
      this.db.data = NO_SNAPSHOT
    }
    this.writes++
  }

  /** Called once, by the store's close. */
  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
    // The last book time, so a restart resumes the clocks where they stood.
    this.marks.alive = true
    await this.compactions
    await this.flush()
    await this.queue
    await this.logHandle?.close().catch(() => {})
    await this.lock.release()
    if (this.pending) {
      const code = errorCode(this.lastError) ?? (this.lastError as Error).name
      throw new DataFileError(this.file, `cannot write the final state; changes since the last write are lost (${code})`, code)
    }
  }
}
