/**
 * The lock of a data file: `<file>.lock`, holding JSON {host, pid, startedAt, heartbeatAt} (and
 * an owner token, and where pids can be compared). One server at a time uses a data file: two
 * would overwrite each other's writes. The holder refreshes `heartbeatAt` every HEARTBEAT_MS; a
 * lock whose heartbeat stopped for STALE_AFTER_MS is stale (its server was killed) and is taken
 * over. The heartbeat is the signal that always works, across containers sharing a volume where
 * every server is PID 1; asking the system whether the pid lives is only a faster path, where
 * the pid is known to mean the same process (same host, same boot, same pid namespace).
 *
 * `judgeLock` and `canAskPid` are the rules, pure; `DataFileLock` does the file work.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { readFileSync, readlinkSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { temporaryName, DataFileError } from './data-file.js'
import { errorCode, nodeFileSystem, writeAll, type FileSystem } from './file-system.js'

/** How often the holder refreshes its heartbeat (ms). */
export const HEARTBEAT_MS = 1000
/**
 * A heartbeat older than this (ms) is stale: five heartbeats missed. A restart after a kill -9
 * waits at most this long (plus a look every POLL_MS) for the lock; on the same machine, where
 * the dead pid can be seen, not at all.
 */
export const STALE_AFTER_MS = 5000
/** How often a server waiting for a lock looks at it again (ms). */
export const POLL_MS = 100

/** The content of a lock file. */
export interface LockRecord {
  /** os.hostname() of the holder. */
  host: string
  pid: number
  /** Wall-clock ms when the holder took the lock. */
  startedAt: number
  /** Wall-clock ms of the holder's last refresh. */
  heartbeatAt: number
  /** Random, the holder's own: tells two holders apart that share host and pid (two containers). */
  owner: string
  /** Where `pid` means one process (boot and pid namespace), when the system tells; see `pidScope`. */
  scope?: string
}

/** The holder as the system knows it: where it runs and its pid. */
export interface LockIdentity {
  host: string
  pid: number
  scope: string | undefined
}

/** What a lock found in place is: stale (take it over), held (refuse), or not known yet (look again). */
export type LockVerdict = 'stale' | 'held' | 'unsure'

/** What is known of a lock found in place, for `judgeLock`. */
export interface LockObservation {
  /** The lock's content, or undefined when it does not parse (a holder killed while creating it). */
  lock: LockRecord | undefined
  /** The lock file's mtime (wall ms): the age of one that does not parse. */
  modifiedAt: number
  /** Wall-clock ms now. */
  now: number
  /** How long (ms of our own clock) the lock has been watched without its content changing. */
  unchangedForMs: number
  /** Its content changed while it was watched: a live holder refreshed it. */
  changed: boolean
  /** Whether the holder's pid lives, when that can be asked (`canAskPid`), else undefined. */
  holderAlive: boolean | undefined
}

/**
 * Whether a lock is stale, given the time now. A heartbeat older than `staleAfterMs`, or one that
 * did not change for that long while watched (which holds whatever the two clocks say), is stale;
 * so is a lock whose holder's pid is known dead. A heartbeat seen to change, or a pid known
 * alive, is a live holder. Otherwise: not known yet.
 */
export function judgeLock (seen: LockObservation, staleAfterMs = STALE_AFTER_MS): LockVerdict {
  const heartbeatAt = seen.lock?.heartbeatAt ?? seen.modifiedAt
  if (seen.holderAlive === false) return 'stale'
  if (seen.now - heartbeatAt > staleAfterMs || seen.unchangedForMs > staleAfterMs) return 'stale'
  // A lock that does not parse names no holder to refuse for: watch it until it parses or ages.
  if (seen.lock !== undefined && (seen.changed || seen.holderAlive === true)) return 'held'
  return 'unsure'
}

/**
 * Whether the lock's pid can be asked about: only where it means the same process as for us
 * (same host name, same scope: boot and pid namespace) and is not our own pid. Two containers
 * may share a host name and both be PID 1; a pid of another namespace means nothing here.
 */
export function canAskPid (lock: LockRecord, self: LockIdentity): boolean {
  return self.scope !== undefined && lock.scope === self.scope && lock.host === self.host && lock.pid !== self.pid
}

/** The lock's content parsed, or undefined when it is not a lock (empty, cut, or other JSON). */
export function parseLock (text: string): LockRecord | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  const lock = value as Partial<LockRecord> | null
  if (lock === null || typeof lock !== 'object' || typeof lock.host !== 'string' || typeof lock.owner !== 'string' ||
    !Number.isInteger(lock.pid) || !Number.isFinite(lock.startedAt) || !Number.isFinite(lock.heartbeatAt)) return undefined
  return lock as LockRecord
}

/**
 * Where a pid means one process: the boot and the pid namespace, on Linux (containers on one
 * kernel share the boot id, and each has its own pid namespace); elsewhere, the platform (no pid
 * namespaces there). Undefined when /proc cannot tell: then only heartbeats count.
 */
export function pidScope (platform: NodeJS.Platform = process.platform, read: (path: string) => string = readProc): string | undefined {
  if (platform !== 'linux') return platform
  try {
    return `${read('/proc/sys/kernel/random/boot_id').trim()}/${read('/proc/self/ns/pid')}`
  } catch {
    return undefined
  }
}

/* c8 ignore next 3 -- the system's own files; pidScope's tests pass their own reader */
function readProc (path: string): string {
  return path.startsWith('/proc/self/ns/') ? readlinkSync(path) : readFileSync(path, 'utf8')
}

/** Whether a pid lives: signal 0 checks without sending anything (EPERM: it lives, as another user's). */
export function pidAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return errorCode(error) === 'EPERM'
  }
}

export interface LockOptions {
  fileSystem?: FileSystem
  /** Wall-clock ms (default Date.now): heartbeats and their age. */
  now?: () => number
  /** Waits between looks at a lock in place (default a timer); tests move their clock instead. */
  sleep?: (ms: number) => Promise<void>
  /** Default this process: os.hostname(), process.pid, pidScope(). */
  identity?: LockIdentity
  /** Default pidAlive. */
  isAlive?: (pid: number) => boolean
  staleAfterMs?: number
  /** Refresh period (default HEARTBEAT_MS); 0: no timer, the caller calls `heartbeat()`. */
  heartbeatMs?: number
  pollMs?: number
  /** A heartbeat that failed (the folder became unwritable...): it is tried again next period. */
  onError?: (error: unknown) => void
  /** Another server took the lock over (this one was stalled past the stale threshold). */
  onLost?: (holder: LockRecord | undefined) => void
}

/** A held lock on a data file; `DataFileLock.acquire` takes it. */
export class DataFileLock {
  readonly dataFile: string
  readonly path: string
  private readonly fileSystem: FileSystem
  private readonly now: () => number
  private record: LockRecord
  private timer: NodeJS.Timeout | undefined
  private readonly onError: (error: unknown) => void
  private readonly onLost: (holder: LockRecord | undefined) => void
  /** Set when another server took the lock over: its holder (undefined if unreadable). */
  private lostTo: { holder: LockRecord | undefined } | undefined
  private released = false
  /** The refresh in progress: release waits for it, so it cannot put the lock back after. */
  private refreshing: Promise<void> = Promise.resolve()

  private constructor (dataFile: string, record: LockRecord, options: LockOptions) {
    this.dataFile = dataFile
    this.path = lockPath(dataFile)
    this.record = record
    this.fileSystem = options.fileSystem ?? nodeFileSystem
    this.now = options.now ?? Date.now
    this.onError = options.onError ?? (() => {})
    this.onLost = options.onLost ?? (() => {})
    const period = options.heartbeatMs ?? HEARTBEAT_MS
    if (period > 0) {
      // Unref'd: a lock never keeps the process alive by itself.
      this.timer = setInterval(() => { void this.heartbeat() }, period).unref()
    }
  }

  /**
   * Takes the lock of `dataFile`: creates it when there is none, takes a stale one over, waits
   * while it cannot tell (at most the stale threshold), and refuses with a DataFileError naming
   * the file and its holder (host and pid) when a live server holds it.
   */
  static async acquire (dataFile: string, options: LockOptions = {}): Promise<DataFileLock> {
    const fileSystem = options.fileSystem ?? nodeFileSystem
    const now = options.now ?? Date.now
    const wait = options.sleep ?? (async (ms: number) => { await sleep(ms) })
    const self = options.identity ?? { host: hostname(), pid: process.pid, scope: pidScope() }
    const isAlive = options.isAlive ?? pidAlive
    const staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS
    const pollMs = options.pollMs ?? POLL_MS
    const path = lockPath(dataFile)
    const startedAt = now()
    const record: LockRecord = { host: self.host, pid: self.pid, startedAt, heartbeatAt: startedAt, owner: randomBytes(8).toString('hex') }
    if (self.scope !== undefined) record.scope = self.scope
    const cannotLock = (error: unknown): DataFileError =>
      // The folder cannot be written: said as the data file's own write at start would say it.
      new DataFileError(dataFile, `cannot be written (${errorCode(error)})`, errorCode(error))

    /** The first content seen of the lock in place, and when (our clock), while it stays the same. */
    let watched: { text: string, since: number } | undefined
    for (;;) {
      try {
        await writeNew(fileSystem, path, record)
        return new DataFileLock(dataFile, record, options)
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw cannotLock(error)
      }
      let text: string
      let modifiedAt: number
      try {
        text = await fileSystem.readFile(path, 'utf8')
        modifiedAt = (await fileSystem.stat(path)).mtimeMs
      } catch (error) {
        // Released between the two steps: try to create it again.
        if (errorCode(error) === 'ENOENT') continue
        throw cannotLock(error)
      }
      const lock = parseLock(text)
      const at = now()
      watched ??= { text, since: at }
      const verdict = judgeLock({
        lock,
        modifiedAt,
        now: at,
        unchangedForMs: text === watched.text ? at - watched.since : 0,
        changed: text !== watched.text,
        holderAlive: lock !== undefined && canAskPid(lock, self) ? isAlive(lock.pid) : undefined
      }, staleAfterMs)
      if (verdict === 'held') {
        const holder = lock as LockRecord
        throw new DataFileError(dataFile, `is in use by process ${holder.pid} on host ${holder.host} (lock ${path}, heartbeat ${Math.max(0, at - holder.heartbeatAt)} ms ago); stop that server or use another data file`)
      }
      if (verdict === 'unsure') {
        await wait(pollMs)
        continue
      }
      // Stale: replace it whole (a rename), then look again after a moment, as another server
      // may have taken it over at the same time: the last rename wins, and the loser sees it.
      const temp = temporaryName(dataFile, 'lock.')
      try {
        await writeNew(fileSystem, temp, record)
        await fileSystem.rename(temp, path)
      } catch (error) {
        await fileSystem.unlink(temp).catch(() => {})
        throw cannotLock(error)
      }
      await wait(pollMs)
      const confirmed = parseLock(await fileSystem.readFile(path, 'utf8').catch(() => ''))
      if (confirmed?.owner === record.owner) return new DataFileLock(dataFile, record, options)
      watched = undefined
    }
  }

  /** The holder that took the lock over from this server, or undefined while it holds it. */
  get lost (): { holder: LockRecord | undefined } | undefined {
    return this.lostTo
  }

  /** This holder's lock content (its last heartbeat). */
  get content (): Readonly<LockRecord> {
    return this.record
  }

  /**
   * Refreshes the heartbeat, unless another server took the lock over (then `onLost`, once, and
   * no more refreshes). Errors go to `onError`; never throws.
   */
  async heartbeat (): Promise<void> {
    const refresh = this.refreshing.then(async () => { await this.refreshNow() })
    this.refreshing = refresh
    await refresh
  }

  private async refreshNow (): Promise<void> {
    if (this.released || this.lostTo !== undefined) return
    try {
      let text: string | undefined
      try {
        text = await this.fileSystem.readFile(this.path, 'utf8')
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw error
      }
      const found = text === undefined ? undefined : parseLock(text)
      if (text !== undefined && found?.owner !== this.record.owner) {
        this.lostTo = { holder: found }
        this.stopTimer()
        this.onLost(found)
        return
      }
      this.record = { ...this.record, heartbeatAt: this.now() }
      // Whole or not at all: a server judging the lock never reads half of it.
      const temp = temporaryName(this.dataFile, 'lock.')
      try {
        await writeNew(this.fileSystem, temp, this.record)
        await this.fileSystem.rename(temp, this.path)
      } catch (error) {
        await this.fileSystem.unlink(temp).catch(() => {})
        throw error
      }
    } catch (error) {
      this.onError(error)
    }
  }

  /** Stops the heartbeat and deletes the lock if it is still this holder's. Never throws. */
  async release (): Promise<void> {
    if (this.released) return
    this.released = true
    this.stopTimer()
    await this.refreshing
    if (this.lostTo !== undefined) return
    const found = parseLock(await this.fileSystem.readFile(this.path, 'utf8').catch(() => ''))
    if (found?.owner !== this.record.owner) return
    await this.fileSystem.unlink(this.path).catch((error: unknown) => { this.onError(error) })
  }

  private stopTimer (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }
}

/** The lock file of a data file. */
export function lockPath (dataFile: string): string {
  return `${dataFile}.lock`
}

/** Creates `path` with the lock's content, failing with EEXIST when it exists (open 'wx'). */
async function writeNew (fileSystem: FileSystem, path: string, record: LockRecord): Promise<void> {
  const handle = await fileSystem.open(path, 'wx')
  try {
    await writeAll(handle, `${JSON.stringify(record)}\n`)
  } catch (error) {
    await handle.close().catch(() => {})
    await fileSystem.unlink(path).catch(() => {})
    throw error
  }
  await handle.close()
}
