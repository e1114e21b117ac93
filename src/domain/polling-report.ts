/** How a client polled one video, counted as the journal records requests. Pure, no I/O. */
import { DOWNLOAD_TYPES, type DownloadType } from './ids.js'
import type { JournalEntry } from './journal.js'

/** One answer that asked the client to wait, and whether the client did. */
export interface RetryAfterCheck {
  seq: number
  status: number
  askedMs: number
  /** Wall ms from that answer to the next request on the video; null while there is none. */
  waitedMs: number | null
  /** Whether the client waited at least `askedMs`; null while there is no next request. */
  honoured: boolean | null
}

/** When a client was first shown a state, and how many polls after that showed it again. */
export interface SettledPolls {
  /** 1-based index of the first poll that showed `ready`; null while none has. */
  firstReadyAtPoll: number | null
  /** Polls after that one that showed `ready` again: a client that stops when done makes none. */
  pollsAfterReady: number | null
  /** 1-based index of the first poll that showed `error`; null while none has. */
  firstErrorAtPoll: number | null
  /** Polls after that one that showed `error` again (a retry's answers are not among them). */
  pollsAfterError: number | null
}

/** The methods a poll is made with: a POST on an existing download is a read, as a GET is. */
export type PollMethod = 'GET' | 'POST'

/** The polling report of one video. */
export interface PollingReport extends SettledPolls {
  video: string
  /** 2xx GETs and POSTs that showed the video's downloads. */
  polls: number
  /** Those polls by method. */
  pollsByMethod: Record<PollMethod, number>
  /** Wall ms between consecutive polls. */
  intervalsMs: number[]
  minIntervalMs: number | null
  meanIntervalMs: number | null
  /** The same counts for each download type the polls showed. */
  downloads: Partial<Record<DownloadType, SettledPolls>>
  retryAfter: RetryAfterCheck[]
  /** Null when nothing was asked or no asked wait has been followed by a request yet. */
  honouredRetryAfter: boolean | null
}

/**
 * Most wall-time intervals and Retry-After checks a report lists (the latest); its counts, minimum
 * and mean cover every poll however many were made.
 */
export const MAX_REPORTED = 100

/** Most videos the tally follows; past it, the one polled least recently is forgotten. */
export const MAX_TALLIED_VIDEOS = 10_000

/** What the tally reads of a request: the journal's facts of it, in the order it records them. */
export interface ObservedRequest {
  seq: number
  wallMs: number
  method: string
  status: number
  account?: string
  video?: string
  downloads?: Readonly<Partial<Record<DownloadType, string>>>
  retryAfterMs?: number
}

/** The first poll that showed a state, and how many polls after it showed it again. */
class Settled {
  first: number | null = null
  after: number | null = null

  /** Counts poll number `poll`, which showed the state or not. */
  see (poll: number, shows: boolean): void {
    if (!shows) return
    if (this.first === null) {
      this.first = poll
      this.after = 0
    } else (this.after as number)++
  }
}

/** The ready and error counts of a video or of one of its download types. */
class SettledPair {
  readonly ready = new Settled()
  readonly error = new Settled()

  report (): SettledPolls {
    return { firstReadyAtPoll: this.ready.first, pollsAfterReady: this.ready.after, firstErrorAtPoll: this.error.first, pollsAfterError: this.error.after }
  }
}

/** Keeps the latest `MAX_REPORTED` items. */
function keepLatest<T> (items: T[], item: T): void {
  items.push(item)
  if (items.length > MAX_REPORTED) items.shift()
}

/** The running counts of one video: a fixed size whatever the number of its requests. */
class VideoTally {
  readonly account: string | undefined
  polls = 0
  readonly pollsByMethod: Record<PollMethod, number> = { GET: 0, POST: 0 }
  lastPollMs: number | null = null
  intervals = 0
  intervalSumMs = 0
  minIntervalMs: number | null = null
  readonly intervalsMs: number[] = []
  readonly settled = new SettledPair()
  readonly downloads: Partial<Record<DownloadType, SettledPair>> = {}
  readonly retryAfter: RetryAfterCheck[] = []
  /** The last answer that asked for a wait, until the next request on the video judges it. */
  pending: RetryAfterCheck | null = null
  /** Wall time of the pending check's answer. */
  private askedAtMs = 0
  judged = 0
  dishonoured = 0

  constructor (account: string | undefined) {
    this.account = account
  }

  observe (request: ObservedRequest): void {
    const { pending } = this
    // Any request on the video is the client coming back, whatever it asks for.
    if (pending !== null) {
      pending.waitedMs = request.wallMs - this.askedAtMs
      pending.honoured = retryAfterHonoured(pending.askedMs, pending.waitedMs)
      this.judged++
      if (!pending.honoured) this.dishonoured++
      this.pending = null
    }
    if (isPoll(request)) this.poll(request)
    if (request.retryAfterMs !== undefined) {
      const check: RetryAfterCheck = { seq: request.seq, status: request.status, askedMs: request.retryAfterMs, waitedMs: null, honoured: null }
      this.askedAtMs = request.wallMs
      this.pending = check
      keepLatest(this.retryAfter, check)
    }
  }

  private poll (request: ObservedRequest & { method: PollMethod, downloads: Shown }): void {
    const { wallMs, downloads } = request
    const poll = ++this.polls
    this.pollsByMethod[request.method]++
    if (this.lastPollMs !== null) {
      const interval = wallMs - this.lastPollMs
      this.intervals++
      this.intervalSumMs += interval
      this.minIntervalMs = this.minIntervalMs === null ? interval : Math.min(this.minIntervalMs, interval)
      keepLatest(this.intervalsMs, interval)
    }
    this.lastPollMs = wallMs
    this.settled.ready.see(poll, showsAllReady(request))
    this.settled.error.see(poll, showsFailed(request))
    for (const type of DOWNLOAD_TYPES) {
      const status = downloads[type]
      if (status === undefined) continue
      const pair = this.downloads[type] ?? (this.downloads[type] = new SettledPair())
      pair.ready.see(poll, status === 'ready')
      pair.error.see(poll, status === 'error')
    }
  }

  report (video: string): PollingReport {
    const downloads: PollingReport['downloads'] = {}
    for (const type of DOWNLOAD_TYPES) {
      const pair = this.downloads[type]
      if (pair !== undefined) downloads[type] = pair.report()
    }
    return {
      video,
      polls: this.polls,
      pollsByMethod: { ...this.pollsByMethod },
      intervalsMs: [...this.intervalsMs],
      minIntervalMs: this.minIntervalMs,
      meanIntervalMs: this.intervals === 0 ? null : this.intervalSumMs / this.intervals,
      ...this.settled.report(),
      downloads,
      retryAfter: this.retryAfter.map((check) => ({ ...check })),
      honouredRetryAfter: this.judged === 0 ? null : this.dishonoured === 0
    }
  }
}

/** What the rules of a poll read of a request. */
type PollFacts = Pick<ObservedRequest, 'method' | 'status' | 'downloads'>

/** The statuses a poll showed. */
type Shown = Readonly<Partial<Record<DownloadType, string>>>

/** A 2xx GET or POST that showed the downloads: what a polling loop does (HEAD is not a read). */
export function isPoll<T extends PollFacts> (request: T): request is T & { method: PollMethod, downloads: Shown } {
  return (request.method === 'GET' || request.method === 'POST') && request.status >= 200 && request.status < 300 && request.downloads !== undefined
}

/** True when the poll showed downloads and every one was ready; no downloads is not ready. */
export function showsAllReady (poll: { downloads: Shown }): boolean {
  const statuses = Object.values(poll.downloads)
  return statuses.length > 0 && statuses.every((status) => status === 'ready')
}

/** True when the poll showed every download finished, one at least in error. */
export function showsFailed (poll: { downloads: Shown }): boolean {
  const statuses = Object.values(poll.downloads)
  return statuses.includes('error') && statuses.every((status) => status === 'ready' || status === 'error')
}

/** Whether a client that came back `waitedMs` after an answer asking it to wait `askedMs` honoured it. */
export function retryAfterHonoured (askedMs: number, waitedMs: number): boolean {
  return waitedMs >= askedMs
}

/**
 * The polling reports of the videos clients asked about, kept as running counts as requests are
 * recorded: a report does not depend on how many entries the journal still holds, and its size
 * does not grow with the requests (see MAX_REPORTED and MAX_TALLIED_VIDEOS).
 */
export class PollingTally {
  private readonly videos = new Map<string, VideoTally>()
  private readonly maxVideos: number

  constructor (maxVideos = MAX_TALLIED_VIDEOS) {
    this.maxVideos = maxVideos
  }

  /** How many videos are followed. */
  get size (): number {
    return this.videos.size
  }

  /** Counts a request, in the order the journal records them; requests of no video are ignored. */
  observe (request: ObservedRequest): void {
    const { video } = request
    if (video === undefined) return
    let tally = this.videos.get(video)
    if (tally === undefined) {
      tally = new VideoTally(request.account)
      if (this.videos.size >= this.maxVideos) this.videos.delete(this.videos.keys().next().value as string)
    } else this.videos.delete(video)
    // Re-inserted last: the Map's order is the order of last use, and the first is forgotten first.
    this.videos.set(video, tally)
    tally.observe(request)
  }

  /** The report of `video`: an empty one when no request on it was counted. */
  report (video: string): PollingReport {
    return (this.videos.get(video) ?? new VideoTally(undefined)).report(video)
  }

  /** Forgets every video, or the videos of one account. */
  clear (account?: string): void {
    if (account === undefined) {
      this.videos.clear()
      return
    }
    for (const [video, tally] of this.videos) if (tally.account === account) this.videos.delete(video)
  }
}

/** Reports how a client polled `video` from journal entries (in any order): the tally, folded over them. */
export function pollingReport (entries: readonly JournalEntry[], video: string): PollingReport {
  const tally = new PollingTally()
  for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) if (entry.video === video) tally.observe(entry)
  return tally.report(video)
}
