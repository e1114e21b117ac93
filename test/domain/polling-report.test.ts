import t from 'tap'
import type { JournalEntry } from '../../src/domain/journal.js'
import { Journal } from '../../src/domain/journal.js'
import { MAX_REPORTED, PollingTally, pollingReport } from '../../src/domain/polling-report.js'

const V = 'cccccccccccccccccccccccccccccccc'
const OTHER = 'dddddddddddddddddddddddddddddddd'

let seq = 0
/** An entry of video V at wall time `wallMs`: a 2xx poll unless `extra` says otherwise. */
function at (wallMs: number, extra: Partial<JournalEntry> = {}): JournalEntry {
  seq++
  return { seq, at: new Date(wallMs).toISOString(), wallMs, mockMs: 0, method: 'GET', path: '/x', status: 200, credentials: 'none', video: V, downloads: { default: 'inprogress' }, ...extra }
}

t.test('no entries: an empty report', async (t) => {
  t.same(pollingReport([], V), {
    video: V,
    polls: 0,
    pollsByMethod: { GET: 0, POST: 0 },
    intervalsMs: [],
    minIntervalMs: null,
    meanIntervalMs: null,
    firstReadyAtPoll: null,
    pollsAfterReady: null,
    firstErrorAtPoll: null,
    pollsAfterError: null,
    downloads: {},
    retryAfter: [],
    honouredRetryAfter: null
  })
})

t.test('one poll: no intervals yet', async (t) => {
  const report = pollingReport([at(1000)], V)
  t.equal(report.polls, 1)
  t.same(report.intervalsMs, [])
  t.equal(report.minIntervalMs, null)
  t.equal(report.meanIntervalMs, null)
})

t.test('counts only 2xx GETs and POSTs that showed the downloads, of that video', async (t) => {
  const entries = [
    at(1000),
    at(1100, { method: 'POST' }),
    at(1200, { status: 404, downloads: undefined }),
    at(1300, { status: 429, downloads: undefined }),
    at(1400, { status: 304 }),
    at(1500, { method: 'HEAD' }),
    at(1550, { method: 'DELETE', downloads: undefined }),
    at(1600, { video: OTHER }),
    at(1700, { downloads: undefined }),
    at(2000, { status: 204 }),
    at(4500)
  ]
  const report = pollingReport(entries, V)
  t.equal(report.polls, 4)
  t.same(report.pollsByMethod, { GET: 3, POST: 1 })
  t.same(report.intervalsMs, [100, 900, 2500])
  t.equal(report.minIntervalMs, 100)
  t.equal(report.meanIntervalMs, 3500 / 3)
})

t.test('entries out of order are taken in seq order', async (t) => {
  const first = at(1000)
  const second = at(3000)
  t.same(pollingReport([second, first], V).intervalsMs, [2000])
})

t.test('ready and error apart: the first poll that showed each, and the polls that showed it again', async (t) => {
  const entries = [
    at(1000, { downloads: {} }),
    at(2000, { downloads: { default: 'ready', audio: 'inprogress' } }),
    at(3000, { downloads: { default: 'ready', audio: 'error' } }),
    at(4000, { method: 'POST', downloads: { default: 'ready', audio: 'error' } }),
    at(5000, { method: 'POST', downloads: { default: 'ready', audio: 'inprogress' } }),
    at(6000, { downloads: { default: 'ready', audio: 'ready' } }),
    at(7000, { downloads: { default: 'ready', audio: 'ready' } })
  ]
  const report = pollingReport(entries, V)
  t.equal(report.firstErrorAtPoll, 3, 'every download finished, one in error')
  t.equal(report.pollsAfterError, 1, 'the retry\'s answer is not a poll after the error')
  t.equal(report.firstReadyAtPoll, 6, 'an error is not ready; no downloads at all is neither')
  t.equal(report.pollsAfterReady, 1)
  t.same(report.downloads, {
    default: { firstReadyAtPoll: 2, pollsAfterReady: 5, firstErrorAtPoll: null, pollsAfterError: null },
    audio: { firstReadyAtPoll: 6, pollsAfterReady: 1, firstErrorAtPoll: 3, pollsAfterError: 1 }
  })
  const stopped = pollingReport(entries.slice(0, 3), V)
  t.equal(stopped.firstErrorAtPoll, 3)
  t.equal(stopped.pollsAfterError, 0, 'a client that stops when it fails')
  const never = pollingReport(entries.slice(0, 2), V)
  t.equal(never.firstReadyAtPoll, null)
  t.equal(never.pollsAfterReady, null)
  t.equal(never.firstErrorAtPoll, null)
  t.same(never.downloads.audio, { firstReadyAtPoll: null, pollsAfterReady: null, firstErrorAtPoll: null, pollsAfterError: null })
})

t.test('Retry-After: honoured, not honoured, and not yet followed', async (t) => {
  const entries = [
    at(1000, { status: 429, downloads: undefined, retryAfterMs: 2000 }),
    at(3000, { method: 'POST', downloads: undefined }),
    at(3000, { status: 503, downloads: undefined, retryAfterMs: 1000 }),
    at(3500, { video: OTHER }),
    at(3600, { status: 0, dropped: true, downloads: undefined }),
    at(4000, { status: 429, downloads: undefined, retryAfterMs: 500 })
  ]
  const report = pollingReport(entries, V)
  t.same(report.retryAfter, [
    { seq: entries[0]?.seq, status: 429, askedMs: 2000, waitedMs: 2000, honoured: true },
    { seq: entries[2]?.seq, status: 503, askedMs: 1000, waitedMs: 600, honoured: false },
    { seq: entries[5]?.seq, status: 429, askedMs: 500, waitedMs: null, honoured: null }
  ], 'any next request on the video counts, a dropped one too; another video does not')
  t.equal(report.honouredRetryAfter, false)
  t.equal(report.polls, 0)

  t.equal(pollingReport(entries.slice(0, 2), V).honouredRetryAfter, true, 'every followed one honoured')
  t.equal(pollingReport(entries.slice(5), V).honouredRetryAfter, null, 'asked, but no request since')
})

t.test('the tally: counts are kept whole, its lists hold the latest MAX_REPORTED', async (t) => {
  const tally = new PollingTally()
  const polls = MAX_REPORTED + 50
  for (let i = 0; i < polls; i++) {
    tally.observe(at(1000 + i * 10 + (i === 3 ? 1 : 0), { account: 'acct' }))
    tally.observe(at(1000 + i * 10 + 5, { status: 429, downloads: undefined, retryAfterMs: 1 }))
  }
  const report = tally.report(V)
  t.equal(report.polls, polls, 'every poll counted')
  t.equal(report.intervalsMs.length, MAX_REPORTED, 'the latest intervals only')
  t.equal(report.minIntervalMs, 9, 'the minimum over all, one dropped from the list among them')
  t.equal(report.meanIntervalMs, 10 * (polls - 1) / (polls - 1))
  t.equal(report.retryAfter.length, MAX_REPORTED)
  t.equal(report.retryAfter.at(-1)?.honoured, null, 'the last asked wait is not yet followed')
  t.equal(report.honouredRetryAfter, true, 'judged over every check, the dropped ones too')
  report.intervalsMs.length = 0
  t.equal(tally.report(V).intervalsMs.length, MAX_REPORTED, 'a report is a copy')
})

t.test('the tally follows at most its bound of videos, forgetting the least recently polled', async (t) => {
  const tally = new PollingTally(2)
  const third = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'
  tally.observe(at(1000, { video: V }))
  tally.observe(at(1000, { video: OTHER }))
  tally.observe(at(1100, { video: V }))
  tally.observe(at(1200, { video: third }))
  t.equal(tally.size, 2)
  t.equal(tally.report(V).polls, 2, 'polled last but one: kept')
  t.equal(tally.report(OTHER).polls, 0, 'the least recent is forgotten: an empty report')
  tally.observe(at(1300, { video: undefined }))
  t.equal(tally.size, 2, 'a request of no video is not counted')
})

t.test('the tally forgets one account\'s videos, or all', async (t) => {
  const tally = new PollingTally()
  tally.observe(at(1000, { video: V, account: 'a' }))
  tally.observe(at(1000, { video: OTHER, account: 'b' }))
  tally.clear('a')
  t.equal(tally.report(V).polls, 0)
  t.equal(tally.report(OTHER).polls, 1)
  tally.clear()
  t.equal(tally.size, 0)
})

t.test('the journal\'s reports outlive its ring, and go with a clear', async (t) => {
  const journal = new Journal(2)
  const note = { account: 'a', video: V, downloads: { default: 'inprogress' as const } }
  for (let i = 0; i < 5; i++) journal.record({ wallMs: 1000 * i, mockMs: 0, method: 'GET', path: '/x', status: 200, credentials: 'none', note, retryAfterMs: undefined })
  t.equal(journal.size, 2, 'the ring holds two')
  t.equal(journal.polling.report(V).polls, 5, 'the report counts all five')
  journal.clear('b')
  t.equal(journal.polling.report(V).polls, 5, 'another account\'s clear leaves it')
  journal.clear('a')
  t.equal(journal.polling.report(V).polls, 0)
})
