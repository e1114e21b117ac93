/** How a client polled one video, judged from the request journal. Pure, no I/O. */
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

/** The polling report of one video. */
export interface PollingReport {
  video: string
  /** 2xx GETs of the downloads list. */
  polls: number
  /** Wall ms between consecutive polls. */
  intervalsMs: number[]
  minIntervalMs: number | null
  meanIntervalMs: number | null
  /** 1-based index of the first poll that showed every download finished (ready or error). */
  firstReadyAtPoll: number | null
  /** Polls after that one: a client that stops when done makes none. */
  pollsAfterReady: number | null
  retryAfter: RetryAfterCheck[]
  /** Null when nothing was asked or no asked wait has been followed by a request yet. */
  honouredRetryAfter: boolean | null
}

/** A journal entry of a poll: it showed the download statuses. */
type Poll = JournalEntry & { downloads: NonNullable<JournalEntry['downloads']> }

/** A 2xx GET that showed the downloads list: what a polling loop does. */
function isPoll (entry: JournalEntry): entry is Poll {
  return entry.method === 'GET' && entry.status >= 200 && entry.status < 300 && entry.downloads !== undefined
}

/** True when the poll showed downloads and every one had finished; no downloads is not finished. */
function showsFinished (poll: Poll): boolean {
  const statuses = Object.values(poll.downloads)
  return statuses.length > 0 && statuses.every((status) => status === 'ready' || status === 'error')
}

/** Reports how a client polled `video`: cadence, when it could have stopped, and Retry-After. */
export function pollingReport (entries: readonly JournalEntry[], video: string): PollingReport {
  const ofVideo = entries.filter((entry) => entry.video === video).sort((a, b) => a.seq - b.seq)
  const polls = ofVideo.filter(isPoll)

  const intervalsMs = polls.slice(1).map((poll, index) => poll.wallMs - (polls[index] as Poll).wallMs)
  const hasIntervals = intervalsMs.length > 0
  const minIntervalMs = hasIntervals ? Math.min(...intervalsMs) : null
  const meanIntervalMs = hasIntervals ? intervalsMs.reduce((sum, ms) => sum + ms, 0) / intervalsMs.length : null

  const readyIndex = polls.findIndex(showsFinished)
  const firstReadyAtPoll = readyIndex === -1 ? null : readyIndex + 1
  const pollsAfterReady = readyIndex === -1 ? null : polls.length - readyIndex - 1

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
      honoured: waitedMs === null ? null : waitedMs >= entry.retryAfterMs
    })
  })
  const judged = retryAfter.filter((check) => check.honoured !== null)
  const honouredRetryAfter = judged.length === 0 ? null : judged.every((check) => check.honoured === true)

  return { video, polls: polls.length, intervalsMs, minIntervalMs, meanIntervalMs, firstReadyAtPoll, pollsAfterReady, retryAfter, honouredRetryAfter }
}
