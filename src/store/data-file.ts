/**
 * The lowdb adapter of MOCK_DATA_FILE. lowdb's own JSONFile runs `JSON.stringify(data, null, 2)`
 * on the event loop in one go, which at 100,000 downloads stalls every request for 0.4-0.5 s.
 * This one serializes the data a slice at a time, handing each slice to the file as it is made,
 * so the event loop serves requests between slices and the whole text never sits in memory.
 */
import { constants } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Adapter } from 'lowdb'
import type { Snapshot, StoreHead, VideoRecord } from '../schemas/store.js'
import { checkStoredHead, forEachCheckedVideo } from './stored-data.js'
import { errorCode, irregularKind, nodeFileSystem, syncDirectory, writeAll, type FileHandleLike, type FileSystem } from './file-system.js'

export { errorCode }

/** A data file that exists but cannot be used, or cannot be written. */
export class DataFileError extends Error {
  /** The fs error code behind it (ENOSPC...), when there is one. */
  readonly code: string | undefined

  constructor (file: string, problem: string, code?: string) {
    super(`${file}: ${problem}`)
    this.name = 'DataFileError'
    this.code = code
  }
}

/**
 * Opening for reading never waits: a FIFO opened the ordinary way blocks until something writes
 * to it, which hung the start. (Windows has no O_NONBLOCK, and no FIFOs to open.)
 */
/* c8 ignore next -- the `?? 0` is for Windows, which has no O_NONBLOCK */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)

/**
 * The parsed content of the data file, unchecked, or undefined when there is none yet. ENOTDIR
 * (a path under a regular file) also means "none": the write at start then reports why it cannot be.
 * Anything but a regular file (a folder, a FIFO, a device) is refused, before reading.
 */
export async function readDataFile (file: string, fileSystem: FileSystem = nodeFileSystem): Promise<unknown> {
  const cannotRead = (error: unknown): DataFileError =>
    new DataFileError(file, `cannot be read (${errorCode(error)}); fix or remove it to start from the fixtures`, errorCode(error))
  let handle: FileHandleLike
  try {
    handle = await fileSystem.open(file, READ_FLAGS)
  } catch (error) {
    const code = errorCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw cannotRead(error)
  }
  let text: string
  try {
    // The kind of the file opened, not of the name: nothing can swap it between the two.
    const kind = irregularKind(await handle.stat())
    if (kind !== undefined) throw new DataFileError(file, `is ${kind}, not a regular file; remove it or name a regular file`)
    text = await handle.readFile('utf8')
  } catch (error) {
    throw error instanceof DataFileError ? error : cannotRead(error)
  } finally {
    await handle.close()
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new DataFileError(file, `is not valid JSON (${(error as Error).message}); fix or remove it to start from the fixtures`)
  }
}

/** The longest slice of a write, however busy the event loop is between slices (ms). */
const MAX_SLICE_MS = 10

export interface DataFileOptions {
  /**
   * How long (ms) one slice of the serialization runs, at least, before the writer hands it to
   * the file and lets the event loop serve what waits. Default 0.5: small slices serve requests
   * sooner; at 100,000 downloads under load, 0.5 ms ones served GETs with several times the
   * throughput of 2 ms ones, and writes took no longer (a small chunk's write comes back sooner).
   */
  sliceMs?: number
  /** Wall-clock time in ms (default Date.now): the epoch of a data@1 file read. */
  wallClock?: () => number
  /** The file-system calls (default node:fs/promises); tests pass failing ones. */
  fileSystem?: FileSystem
}

/**
 * The temporary files of a data file's writers and lock, by any process (the name of
 * `temporaryName`, and `.name.tmp` of the versions before it): only the lock's holder removes them.
 */
function isTemporaryOf (dataName: string, name: string): boolean {
  const prefix = `.${dataName}.`
  if (!name.startsWith(prefix) || !name.endsWith('.tmp')) return false
  return /^(lock\.)?(\d+\.[0-9a-f]+\.)?tmp$/.test(name.slice(prefix.length))
}

/**
 * A temporary name beside `file` for this process alone (its pid and random bytes): two
 * processes writing at once, by mistake, never write into one file.
 */
export function temporaryName (file: string, kind: '' | 'lock.' = ''): string {
  return join(dirname(file), `.${basename(file)}.${kind}${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
}

/**
 * The lowdb adapter of the data file's snapshot: a Snapshot kept in a JSON file (StoreData:
 * compact JSON with one video per line),
 * written in slices to a temporary file beside it, synced to the disk, then renamed over it,
 * and the folder synced (atomic: the file always holds one whole write or the one before, even
 * after a crash of the machine). Writes run one at a time, in call order.
 */
export class DataFile implements Adapter<Snapshot> {
  readonly file: string
  /**
   * One name for all of this writer's writes (they never overlap), unique to it; the lock's
   * holder removes those a killed process left (`removeLeftovers`).
   */
  private readonly temp: string
  private readonly fileSystem: FileSystem
  private readonly sliceMs: number
  private readonly wallClock: () => number
  /** Bytes of the last write that completed, and of the one in progress. */
  bytes = 0
  private pending = 0
  /** The write in progress or last done (settled either way): the next one waits for it. */
  private queue: Promise<void> = Promise.resolve()

  constructor (file: string, options: DataFileOptions = {}) {
    this.file = file
    this.temp = temporaryName(file)
    this.fileSystem = options.fileSystem ?? nodeFileSystem
    this.sliceMs = options.sliceMs ?? 0.5
    this.wallClock = options.wallClock ?? Date.now
  }

  /**
   * The snapshot in the file, checked (and migrated from an older format), or null when there
   * is none. A file that cannot be read or parsed is a DataFileError, one that breaks the rules a
   * FixtureError: never taken for an empty one.
   */
  async read (): Promise<Snapshot | null> {
    const videos: Array<[string, VideoRecord]> = []
    const head = await this.readInto((id, video) => { videos.push([id, video]) })
    return head === null ? null : { head, videos }
  }

  /**
   * As `read`, but each video goes to `take` as it is checked, and the head is answered: the
   * store's open, which fills its table so, with no listing of pairs to step through.
   */
  async readInto (take: (id: string, video: VideoRecord) => void): Promise<StoreHead | null> {
    const stored = await readDataFile(this.file, this.fileSystem)
    if (stored === undefined) return null
    const data = checkStoredHead(stored, this.file, this.wallClock())
    forEachCheckedVideo(data, this.file, take)
    const { videos: _, ...head } = data
    return head
  }

  /** Writes `data` once every write called before it has settled; rejects with the error that stopped it. */
  async write (data: Snapshot): Promise<void> {
    const written = this.queue.then(async () => { await this.writeNow(data) })
    this.queue = written.catch(() => {})
    await written
  }

  private async writeNow (data: Snapshot): Promise<void> {
    const fileSystem = this.fileSystem
    try {
      const handle = await fileSystem.open(this.temp, 'w')
      let failed = false
      let failure: unknown
      try {
        this.pending = 0
        await this.serialize(data, handle)
        // On the disk before the rename replaces the old file: a crash of the machine after the
        // rename then finds the new content, never a file the disk had not received yet.
        await handle.sync()
      } catch (error) {
        failed = true
        failure = error
      }
      // A close can report a write's failure too (NFS does): it counts, but never hides the first.
      await handle.close().catch((error: unknown) => {
        if (!failed) failure = error
        failed = true
      })
      if (failed) throw failure
      await fileSystem.rename(this.temp, this.file)
      // The rename is an entry of the folder: on the disk once the folder is synced.
      await syncDirectory(fileSystem, dirname(this.file))
      this.bytes = this.pending
    } catch (error) {
      // Nothing half-written stays behind, and the old file is whole; the store logs the error
      // and keeps serving from memory.
      await fileSystem.unlink(this.temp).catch(() => {})
      throw error
    }
  }

  /**
   * Removes the temporary files beside the data file that a killed process left (each process
   * writes its own, so they no longer replace one another). Only for the lock's holder: nobody
   * else writes there. Returns the names removed.
   */
  async removeLeftovers (): Promise<string[]> {
    const name = basename(this.file)
    const names = await this.fileSystem.readdir(dirname(this.file)).catch(() => [])
    const removed: string[] = []
    for (const entry of names) {
      if (!isTemporaryOf(name, entry) || join(dirname(this.file), entry) === this.temp) continue
      await this.fileSystem.unlink(join(dirname(this.file), entry)).then(() => { removed.push(entry) }, () => {})
    }
    return removed
  }

  /**
   * Writes `{"format":…,"clock":{…},…,"videos":{` on the first line, then one video per line,
   * then `}}`. The head and the list of videos (ids and video objects) are taken in one
   * synchronous step; each video is then stringified whole in some slice, later, and between
   * slices requests run and may change it. The file may then hold, for some videos, a later
   * state than the clocks on its first line. That is harmless and short-lived:
   * - a download carries its own anchor (percent at mock time `since`) and is replaced whole on
   *   each change, never changed in place; a video changes only synchronously, so it is
   *   consistent in itself whenever it is stringified; and no state spans two videos;
   * - clocks only move forward, so a later download is anchored at or after the saved mock
   *   time: after a restart it stays at its anchored state until the clock gets there (progress
   *   counts from the anchor only, see stateAt in domain/progress.ts), a state the server had
   *   already reached, while the other videos resume from the saved time. The clocks that go
   *   back come with new video objects, which this write does not see: a reset gives the store
   *   new data (this write goes on with the old, which nothing changes any more), and a reset of
   *   one account deletes its videos before its own clock goes;
   * - any change made during a write marks the store dirty, so the next write (within the flush
   *   delay) carries it, as it would a change made just after a write.
   */
  private async serialize (data: Snapshot, handle: FileHandleLike): Promise<void> {
    const { head, videos: listed } = data
    const write = async (text: string): Promise<void> => {
      this.pending += Buffer.byteLength(text)
      await writeAll(handle, text)
    }
    // The head always has `format` and `clock`: drop its closing brace and go on with the videos.
    // Written at once: the head, before the first slice.
    await write(`${JSON.stringify(head).slice(0, -1)},"videos":{`)
    let chunk = ''
    let sliceMs = this.sliceMs
    let sliceStart = performance.now()
    let separator = '\n'
    for (const [id, video] of listed) {
      chunk += `${separator}${JSON.stringify(id)}:${JSON.stringify(video)}`
      separator = ',\n'
      if (performance.now() - sliceStart >= sliceMs) {
        const sliceEnd = performance.now()
        // Awaiting the file's write yields to the event loop: its completion is an I/O event,
        // which comes after the timers and requests already waiting.
        await write(chunk)
        chunk = ''
        sliceStart = performance.now()
        // Under heavy load the loop can be away long between two slices: the next slice takes
        // half that time (up to MAX_SLICE_MS), so the write keeps a third of the loop and ends.
        sliceMs = Math.min(MAX_SLICE_MS, Math.max(this.sliceMs, (sliceStart - sliceEnd) / 2))
      }
    }
    await write(`${chunk}\n}}\n`)
  }
}
