/**
 * The coverage report: what each account's clients were shown, for a suite to assert on (download
 * states seen, error codes answered, faults taken, Retry-After honoured or not, polls after
 * settled, operations never called). Counted as requests are answered, in bounded counters of its
 * own: never derived from the journal, which forgets. What a poll is, when it shows a video
 * settled and whether a wait honoured Retry-After are the polling report's rules, used as they are.
 */
import { DOWNLOAD_TYPES, type DownloadType } from './ids.js'
import { isPoll, retryAfterHonoured, showsAllReady, showsFailed } from './polling-report.js'
import type { DownloadStatus } from './progress.js'

/** The operations of the Cloudflare surface, as the coverage names them. */
export const OPERATIONS = [
  'GET downloads', 'HEAD downloads', 'POST downloads', 'POST downloads/{download_type}', 'DELETE downloads', 'DELETE downloads/{download_type}'
] as const
export type Operation = typeof OPERATIONS[number]

/** Most accounts counted; requests of accounts past it count only in `untracked`. */
export const MAX_COVERAGE_ACCOUNTS = 10_000

/**
 * Most videos whose polls and Retry-After are followed at once, over all accounts (what a poll
 * after settled and a wait need to be judged); past it the video followed longest is forgotten.
 */
export const MAX_COVERAGE_VIDEOS = 100_000

/** Most distinct keys of one account's status, error code and fault rule counts; the rest count under `other`. */
export const MAX_COVERAGE_KEYS = 100

/** An answered request, as the coverage counts it. */
export interface CoverageRecord {
  /** A well-formed account id, or undefined (then the request counts in `untracked`). */
  account?: string
  video?: string
  method: string
  /** The path named a download type (`/downloads/{download_type}`). */
  typed: boolean
  /** 0 when a fault dropped the connection. */
  status: number
  wallMs: number
  /** The codes of a failure envelope's errors. */
  errorCodes?: readonly number[]
  forced?: 'prefer' | 'fault'
  faultId?: string
  downloads?: Readonly<Partial<Record<DownloadType, DownloadStatus>>>
  retryAfterMs?: number
}

type StatusCounts = Record<DownloadStatus, number>

/** One account's coverage, as the admin API shows it. */
export interface AccountCoverage {
  account: string
  requests: number
  /** Requests of each operation; every operation is listed, 0 when never called. */
  operations: Record<Operation, number>
  neverCalled: Operation[]
  /** Answers by HTTP status (`"0"`: dropped by a fault). */
  statuses: Record<string, number>
  /** Error codes answered, each failure's codes counted once each. */
  errorCodes: Record<string, number>
  /** Downloads shown in each status by 2xx answers, per download type. */
  statesSeen: Record<DownloadType, StatusCounts>
  faults: { taken: number, dropped: number, byRule: Record<string, number>, preferForced: number }
  retryAfter: { asked: number, honoured: number, notHonoured: number, pending: number }
  /** Polls that showed a video settled again after a poll had shown it so (the polling report's rule). */
  pollsAfterReady: number
  pollsAfterError: number
}

/** The whole report. */
export interface CoverageReport {
  operations: Operation[]
  accounts: AccountCoverage[]
  /** Requests whose account was malformed, or past MAX_COVERAGE_ACCOUNTS. */
  untracked: number
}

/** What is followed of one video: whether a poll showed it settled, and a wait it was asked for. */
interface VideoTrack {
  account: string
  readySeen: boolean
  errorSeen: boolean
  /** Wall ms of the answer that asked for a wait, and the wait asked. */
  askedAt?: number
  askedMs?: number
  /**
   * The statuses the last poll showed, and whether they were all ready, or settled with an error:
   * a client polling a settled video is shown the same (shared) object again and again.
   */
  shown?: object
  shownReady?: boolean
  shownFailed?: boolean
}

/** Adds one to `counts[key]`, keeping at most MAX_COVERAGE_KEYS keys (then `other`). */
function bump (counts: Record<string, number>, key: string): void {
  if (counts[key] === undefined && Object.keys(counts).length >= MAX_COVERAGE_KEYS) key = 'other'
  counts[key] = (counts[key] ?? 0) + 1
}

function zeroStatuses (): StatusCounts {
  return { inprogress: 0, ready: 0, error: 0 }
}

/** A new account's counters, nothing seen. */
function emptyCoverage (account: string): AccountCoverage {
  const operations = Object.fromEntries(OPERATIONS.map((operation) => [operation, 0])) as Record<Operation, number>
  return {
    account,
    requests: 0,
    operations,
    neverCalled: [],
    statuses: {},
    errorCodes: {},
    statesSeen: { default: zeroStatuses(), audio: zeroStatuses() },
    faults: { taken: 0, dropped: 0, byRule: {}, preferForced: 0 },
    retryAfter: { asked: 0, honoured: 0, notHonoured: 0, pending: 0 },
    pollsAfterReady: 0,
    pollsAfterError: 0
  }
}

/** The operations by method, of the untyped path and of the typed one: a lookup on every request, nothing built. */
const BY_METHOD: Record<'untyped' | 'typed', ReadonlyMap<string, Operation>> = {
  untyped: new Map(OPERATIONS.filter((operation) => !operation.endsWith('}')).map((operation) => [operation.split(' ', 1)[0] as string, operation])),
  typed: new Map(OPERATIONS.filter((operation) => operation.endsWith('}')).map((operation) => [operation.split(' ', 1)[0] as string, operation]))
}

/** The operation a request called, or undefined for a method the path does not have. */
export function operationOf (method: string, typed: boolean): Operation | undefined {
  return BY_METHOD[typed ? 'typed' : 'untyped'].get(method)
}

/** The coverage counters of every account, bounded (see the MAX_ constants). */
export class CoverageBook {
  private readonly accounts = new Map<string, AccountCoverage>()
  /** By video id, oldest followed first (a Map keeps insertion order). */
  private readonly videos = new Map<string, VideoTrack>()
  private untracked = 0
  private readonly maxAccounts: number
  private readonly maxVideos: number

  constructor (limits: { maxAccounts?: number, maxVideos?: number } = {}) {
    this.maxAccounts = limits.maxAccounts ?? MAX_COVERAGE_ACCOUNTS
    this.maxVideos = limits.maxVideos ?? MAX_COVERAGE_VIDEOS
  }

  /** Counts one answered request. */
  record (record: CoverageRecord): void {
    const coverage = this.accountOf(record.account)
    if (coverage === undefined) {
      this.untracked++
      return
    }
    coverage.requests++
    const operation = operationOf(record.method, record.typed)
    if (operation !== undefined) coverage.operations[operation]++
    bump(coverage.statuses, String(record.status))
    for (const code of record.errorCodes ?? []) bump(coverage.errorCodes, String(code))
    if (record.forced === 'prefer') coverage.faults.preferForced++
    if (record.faultId !== undefined) {
      coverage.faults.taken++
      bump(coverage.faults.byRule, record.faultId)
      if (record.status === 0) coverage.faults.dropped++
    }
    const ok = record.status >= 200 && record.status < 300
    if (ok && record.downloads !== undefined) {
      for (const type of DOWNLOAD_TYPES) {
        const status = record.downloads[type]
        if (status !== undefined) coverage.statesSeen[type][status]++
      }
    }
    if (record.video !== undefined) this.followVideo(coverage, record, record.video)
  }

  /** The polls after settled and the Retry-After of one video's request. */
  private followVideo (coverage: AccountCoverage, record: CoverageRecord, video: string): void {
    const track = this.trackOf(coverage.account, video)
    if (track.askedAt !== undefined) {
      // Any request on the video is the client coming back, as the polling report judges it.
      if (retryAfterHonoured(track.askedMs as number, record.wallMs - track.askedAt)) coverage.retryAfter.honoured++
      else coverage.retryAfter.notHonoured++
      coverage.retryAfter.pending--
      track.askedAt = track.askedMs = undefined
    }
    if (record.retryAfterMs !== undefined) {
      coverage.retryAfter.asked++
      coverage.retryAfter.pending++
      track.askedAt = record.wallMs
      track.askedMs = record.retryAfterMs
    }
    const poll = { method: record.method, status: record.status, downloads: record.downloads }
    if (!isPoll(poll)) return
    if (track.shown !== poll.downloads) {
      track.shown = poll.downloads
      track.shownReady = showsAllReady(poll)
      track.shownFailed = showsFailed(poll)
    }
    if (track.shownReady === true) {
      if (track.readySeen) coverage.pollsAfterReady++
      track.readySeen = true
    }
    if (track.shownFailed === true) {
      if (track.errorSeen) coverage.pollsAfterError++
      track.errorSeen = true
    }
  }

  /** The account's counters, made on first use; undefined for no account or past the bound. */
  private accountOf (account: string | undefined): AccountCoverage | undefined {
    if (account === undefined) return undefined
    let coverage = this.accounts.get(account)
    if (coverage === undefined && this.accounts.size < this.maxAccounts) this.accounts.set(account, coverage = emptyCoverage(account))
    return coverage
  }

  /** What is followed of a video, made on first use; the one followed longest is forgotten past the bound. */
  private trackOf (account: string, video: string): VideoTrack {
    const known = this.videos.get(video)
    if (known !== undefined && known.account === account) return known
    if (known === undefined && this.videos.size >= this.maxVideos) {
      const [oldest, track] = this.videos.entries().next().value as [string, VideoTrack]
      this.videos.delete(oldest)
      this.forgetWait(track)
    }
    if (known !== undefined) this.forgetWait(known)
    const track: VideoTrack = { account, readySeen: false, errorSeen: false }
    this.videos.set(video, track)
    return track
  }

  /** A video no longer followed (or now another account's) leaves its wait unjudged. */
  private forgetWait (track: VideoTrack): void {
    if (track.askedAt !== undefined) {
      const coverage = this.accounts.get(track.account)
      if (coverage !== undefined) coverage.retryAfter.pending--
    }
  }

  /** The report: every account counted (or only `account`, all zeros when never seen). */
  report (account?: string): CoverageReport {
    const shown = account === undefined ? [...this.accounts.values()] : [this.accounts.get(account) ?? emptyCoverage(account)]
    return {
      operations: [...OPERATIONS],
      accounts: shown.map((coverage) => ({ ...structuredClone(coverage), neverCalled: OPERATIONS.filter((operation) => coverage.operations[operation] === 0) })),
      untracked: account === undefined ? this.untracked : 0
    }
  }

  /** Forgets every account's counters, or only `account`'s; answers how many accounts were cleared. */
  clear (account?: string): number {
    if (account !== undefined) {
      for (const [video, track] of this.videos) if (track.account === account) this.videos.delete(video)
      return this.accounts.delete(account) ? 1 : 0
    }
    const cleared = this.accounts.size
    this.accounts.clear()
    this.videos.clear()
    this.untracked = 0
    return cleared
  }
}
