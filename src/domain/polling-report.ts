/** How a client polled one video, judged from the request journal. Pure, no I/O. */
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

/** A journal entry of a poll: it showed the download statuses. */
type Poll = JournalEntry & { method: PollMethod, downloads: NonNullable<JournalEntry['downloads']> }

/** What the rules of a poll read of a request. */
type PollFacts = Pick<JournalEntry, 'method' | 'status' | 'downloads'>

/** A 2xx GET or POST that showed the downloads: what a polling loop does (HEAD is not a read). */
export function isPoll<T extends PollFacts> (entry: T): entry is T & { method: PollMethod, downloads: NonNullable<JournalEntry['downloads']> } {
  return (entry.method === 'GET' || entry.method === 'POST') && entry.status >= 200 && entry.status < 300 && entry.downloads !== undefined
}

/** The first poll that shows a state, and the polls after it that show it again. */
function settledAt (polls: readonly Poll[], shows: (poll: Poll) => boolean): [first: number | null, after: number | null] {
  const index = polls.findIndex(shows)
  if (index === -1) return [null, null]
  let after = 0
  for (let next = index + 1; next < polls.length; next++) if (shows(polls[next] as Poll)) after++
  return [index + 1, after]
}

/** The settled-poll counts of a video (every download ready; every one settled, one in error) or of one type. */
function settledPolls (polls: readonly Poll[], ready: (poll: Poll) => boolean, error: (poll: Poll) => boolean): SettledPolls {
  const [firstReadyAtPoll, pollsAfterReady] = settledAt(polls, ready)
  const [firstErrorAtPoll, pollsAfterError] = settledAt(polls, error)
  return { firstReadyAtPoll, pollsAfterReady, firstErrorAtPoll, pollsAfterError }
}

/** True when the poll showed downloads and every one was ready; no downloads is not ready. */
export function showsAllReady (poll: Pick<Poll, 'downloads'>): boolean {
  const statuses = Object.values(poll.downloads)
  return statuses.length > 0 && statuses.every((status) => status === 'ready')
}

/** True when the poll showed every download finished, one at least in error. */
export function showsFailed (poll: Pick<Poll, 'downloads'>): boolean {
  const statuses = Object.values(poll.downloads)
  return statuses.includes('error') && statuses.every((status) => status === 'ready' || status === 'error')
}

/** Whether a client that came back `waitedMs` after an answer asking it to wait `askedMs` honoured it. */
export function retryAfterHonoured (askedMs: number, waitedMs: number): boolean {
  return waitedMs >= askedMs
}

/** Reports how a client polled `video`: cadence, when it could have stopped, and Retry-After. */
export function pollingReport (entries: readonly JournalEntry[], video: string): PollingReport {
  const ofVideo = entries.filter((entry) => entry.video === video).sort((a, b) => a.seq - b.seq)
  const polls = ofVideo.filter(isPoll)

  const intervalsMs = polls.slice(1).map((poll, index) => poll.wallMs - (polls[index] as Poll).wallMs)
  const hasIntervals = intervalsMs.length > 0
  const minIntervalMs = hasIntervals ? Math.min(...intervalsMs) : null
  const meanIntervalMs = hasIntervals ? intervalsMs.reduce((sum, ms) => sum + ms, 0) / intervalsMs.length : null

  const pollsByMethod: Record<PollMethod, number> = { GET: 0, POST: 0 }
  for (const poll of polls) pollsByMethod[poll.method]++
  const downloads: PollingReport['downloads'] = {}
  for (const type of DOWNLOAD_TYPES) {
    if (!polls.some((poll) => poll.downloads[type] !== undefined)) continue
    downloads[type] = settledPolls(polls, (poll) => poll.downloads[type] === 'ready', (poll) => poll.downloads[type] === 'error')
  }

  const retryAfter: RetryAfterCheck[] = []
  ofVideo.forEach((entry, index) => {
    if (entry.retryAfterMs === undefined) return
    // Any request on the video is the client coming back, whatever it asks for.
    const next = ofVideo[index + 1]
    const waitedMs = next === undefined ? null : next.wallMs - entry.wallMs
    retryAfter.push({
      seq: entry.seq,
      status: entry.status,
      askedMs: entry.retryAfterMs,
      waitedMs,
      honoured: waitedMs === null ? null : retryAfterHonoured(entry.retryAfterMs, waitedMs)
    })
  })
  const judged = retryAfter.filter((check) => check.honoured !== null)
  const honouredRetryAfter = judged.length === 0 ? null : judged.every((check) => check.honoured === true)

  return {
    video,
    polls: polls.length,
    pollsByMethod,
    intervalsMs,
    minIntervalMs,
    meanIntervalMs,
    ...settledPolls(polls, showsAllReady, showsFailed),
    downloads,
    retryAfter,
    honouredRetryAfter
  }
}
