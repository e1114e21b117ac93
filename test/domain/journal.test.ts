import t from 'tap'
import { Journal, MAX_JOURNAL_PAGE, MAX_JOURNAL_PATH, memoizedRedaction, redactCredentials, retryAfterMsOf, type JournalRecord, type RequestNote } from '../../src/domain/journal.js'

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
const V = 'cccccccccccccccccccccccccccccccc'
const D = 'dddddddddddddddddddddddddddddddd'

/** A record as the plugin would make it; `n` makes each one recognisable. */
function entry (n: number, note: RequestNote = {}): JournalRecord {
  return { wallMs: n, mockMs: n, method: 'GET', path: `/p/${n}`, status: 200, credentials: 'none', note, retryAfterMs: undefined }
}

t.test('a limit must be a positive integer', async (t) => {
  for (const limit of [0, -1, 1.5, Number.NaN]) t.throws(() => new Journal(limit), RangeError, String(limit))
  t.equal(new Journal(1).limit, 1)
})

t.test('record numbers entries from 1 and lists them oldest first', async (t) => {
  const journal = new Journal(10)
  t.equal(journal.size, 0)
  t.same(journal.list(), [])
  t.equal(journal.record(entry(1)), 1)
  t.equal(journal.record(entry(2)), 2)
  t.equal(journal.size, 2)
  t.same(journal.list().map((e) => e.seq), [1, 2])
  t.strictSame(journal.list()[0], { seq: 1, at: new Date(1).toISOString(), wallMs: 1, mockMs: 1, method: 'GET', path: '/p/1', status: 200, credentials: 'none' }, 'no key shows undefined')
})

t.test('a long path is cut, so an entry holds a bounded number of bytes', async (t) => {
  const journal = new Journal(3)
  const long = `/p?q=${'x'.repeat(15_000)}`
  journal.record({ ...entry(1), path: long })
  journal.record({ ...entry(2), path: long })
  const exact = `/${'y'.repeat(MAX_JOURNAL_PATH - 1)}`
  journal.record({ ...entry(3), path: exact })
  const [first, second, third] = journal.list()
  t.equal(first?.path.length, MAX_JOURNAL_PATH)
  t.ok(first?.path.startsWith('/p?q=xxx') === true && first.path.endsWith('…'), 'cut, and marked so')
  t.equal(second?.path, first?.path)
  t.equal(third?.path, exact, 'a path of exactly the bound is kept whole')
})

t.test('pages: a cursor forward, at most MAX_JOURNAL_PAGE entries each; a tail without one', async (t) => {
  const journal = new Journal(5000)
  for (let n = 1; n <= 2500; n++) journal.record(entry(n, { video: n % 2 === 0 ? V : D }))
  const first = journal.page({ after: 0 })
  t.equal(first.entries.length, MAX_JOURNAL_PAGE)
  t.equal(first.entries[0]?.seq, 1)
  t.equal(first.next, MAX_JOURNAL_PAGE)
  const second = journal.page({ after: first.next as number })
  t.equal(second.entries[0]?.seq, MAX_JOURNAL_PAGE + 1)
  const last = journal.page({ after: second.next as number })
  t.same([last.entries.length, last.next], [500, null], 'the last page says there is no next')
  t.same(journal.page({ after: 2500 }), { entries: [], next: null }, 'nothing after the newest')
  const videos = journal.page({ after: 10, video: V, limit: 3 })
  t.same([videos.entries.map((e) => e.seq), videos.next], [[12, 14, 16], 16], 'filtered, then paged')
  const tail = journal.page({ limit: 2 })
  t.same([tail.entries.map((e) => e.seq), tail.next], [[2499, 2500], null], 'the last N, without a cursor')
  t.equal(journal.page().entries.length, MAX_JOURNAL_PAGE, 'never more than a page')
  t.equal(journal.page({ limit: 5000 }).entries.length, MAX_JOURNAL_PAGE, 'even when asked for more')
})

t.test('an entry shows what the note and the record held when recorded', async (t) => {
  const journal = new Journal(10)
  const shown = { default: 'ready' as const }
  const note: RequestNote = { account: A, video: V, type: 'audio', forced: 'fault', faultId: 'f1', dropped: true, downloads: shown }
  journal.record({ ...entry(5, note), status: 0, retryAfterMs: 1500 })
  const [listed] = journal.list()
  t.strictSame(listed, {
    seq: 1,
    at: new Date(5).toISOString(),
    wallMs: 5,
    mockMs: 5,
    method: 'GET',
    path: '/p/5',
    status: 0,
    credentials: 'none',
    account: A,
    video: V,
    type: 'audio',
    forced: 'fault',
    faultId: 'f1',
    dropped: true,
    downloads: { default: 'ready' },
    retryAfterMs: 1500
  })
  t.not(listed?.downloads, shown, 'the statuses are copied, so an entry never shares the note\'s object')
})

t.test('a note changed after its request is recorded does not change the entry', async (t) => {
  const journal = new Journal(10)
  const note: RequestNote = { account: A, video: V }
  journal.record(entry(1, note))
  Object.assign(note, { account: B, type: 'audio', forced: 'prefer' })
  t.match(journal.list()[0], { account: A, video: V })
  t.notOk('type' in (journal.list()[0] as object))
})

t.test('slots are reused once the ring is full; a clear keeps them', async (t) => {
  const journal = new Journal(2)
  for (let n = 1; n <= 5; n++) journal.record(entry(n, { account: A, video: V, downloads: { default: 'ready' } }))
  t.same(journal.list().map((e) => [e.seq, e.path]), [[4, '/p/4'], [5, '/p/5']])
  t.equal(journal.clear(), 2)
  journal.record(entry(6))
  t.strictSame(journal.list(), [{ seq: 6, at: new Date(6).toISOString(), wallMs: 6, mockMs: 6, method: 'GET', path: '/p/6', status: 200, credentials: 'none' }],
    'a reused slot shows nothing of the entry it held before')
})

t.test('the oldest entries drop first once the limit is reached', async (t) => {
  const journal = new Journal(3)
  for (let n = 1; n <= 7; n++) journal.record(entry(n))
  t.equal(journal.size, 3)
  t.same(journal.list().map((e) => e.seq), [5, 6, 7])
  t.same(journal.list().map((e) => e.path), ['/p/5', '/p/6', '/p/7'])
})

t.test('list filters by account and video; limit keeps the last N matching', async (t) => {
  const journal = new Journal(100)
  journal.record(entry(1, { account: A, video: V }))
  journal.record(entry(2, { account: B }))
  journal.record(entry(3, { account: A }))
  journal.record(entry(4, { account: A, video: V }))
  journal.record(entry(5))
  t.same(journal.list({ account: A }).map((e) => e.seq), [1, 3, 4])
  t.same(journal.list({ video: V }).map((e) => e.seq), [1, 4])
  t.same(journal.list({ account: A, video: V }).map((e) => e.seq), [1, 4])
  t.same(journal.list({ account: A, limit: 2 }).map((e) => e.seq), [3, 4])
  t.same(journal.list({ limit: 1 }).map((e) => e.seq), [5])
  t.same(journal.list({ limit: 50 }).map((e) => e.seq), [1, 2, 3, 4, 5], 'a limit above the count returns all')
})

t.test('clear removes everything or one account, and seq keeps increasing', async (t) => {
  const journal = new Journal(4)
  // Wrap the ring first, so clearing one account has to compact a buffer that does not start at 0.
  for (let n = 1; n <= 6; n++) journal.record(entry(n, { account: n % 2 === 0 ? A : B }))
  t.same(journal.list().map((e) => e.seq), [3, 4, 5, 6])
  t.equal(journal.clear(A), 2)
  t.same(journal.list().map((e) => e.seq), [3, 5])
  t.equal(journal.size, 2)
  t.equal(journal.record(entry(7, { account: A })), 7)
  journal.record(entry(8))
  journal.record(entry(9))
  t.same(journal.list().map((e) => e.seq), [5, 7, 8, 9], 'the ring still drops the oldest after a partial clear')
  t.equal(journal.clear(D), 0, 'an account with no entries removes nothing')
  t.equal(journal.clear(), 4)
  t.equal(journal.size, 0)
  t.same(journal.list(), [])
  t.equal(journal.record(entry(10)), 10)
})

t.test('redactCredentials masks every secret', async (t) => {
  t.equal(redactCredentials({ authorization: 'Bearer abcdefgh1234' }), 'Bearer …1234')
  t.equal(redactCredentials({ authorization: 'Bearer   abcdefgh1234  ' }), 'Bearer …1234', 'the spacing the credential check accepts')
  t.equal(redactCredentials({ authorization: 'Bearer abcdefgh' }), 'Bearer ****', 'eight characters or fewer are never partly shown')
  t.equal(redactCredentials({ authorization: 'Bearer x' }), 'Bearer ****')
  t.equal(redactCredentials({ authorization: 'Basic dXNlcjpwYXNzd29yZA==' }), 'Authorization ****', 'a malformed Authorization is masked whole')
  t.equal(redactCredentials({ authorization: '   ', 'x-auth-email': 'dev@example.com', 'x-auth-key': 'secret' }), 'X-Auth-Email dev@example.com + X-Auth-Key ****', 'a blank Authorization counts as absent')
  t.equal(redactCredentials({ 'x-auth-email': ' dev@example.com ' }), 'X-Auth-Email dev@example.com')
  t.equal(redactCredentials({ 'x-auth-key': 'secret' }), 'X-Auth-Key ****')
  t.equal(redactCredentials({ 'x-auth-email': ['first@example.com', 'second@example.com'] }), 'X-Auth-Email first@example.com', 'repeated headers: the first')
  t.equal(redactCredentials({ 'x-auth-email': 'a'.repeat(1000) }), `X-Auth-Email ${'a'.repeat(254)}`, 'a huge header is cut')
  t.equal(redactCredentials({}), 'none')
  t.equal(redactCredentials({ 'x-auth-email': '', 'x-auth-key': [] }), 'none')
})

t.test('memoizedRedaction remembers the last Authorization, and only a non-blank one', async (t) => {
  const redact = memoizedRedaction()
  t.equal(redact({ authorization: 'Bearer abcdefgh1234' }), 'Bearer …1234')
  t.equal(redact({ authorization: 'Bearer abcdefgh1234' }), 'Bearer …1234', 'the repeat')
  t.equal(redact({ authorization: 'Bearer zzzzzzzz9876' }), 'Bearer …9876', 'another token is redacted anew')
  t.equal(redact({ authorization: ' ', 'x-auth-email': 'a@example.com', 'x-auth-key': 'k' }), 'X-Auth-Email a@example.com + X-Auth-Key ****')
  t.equal(redact({ authorization: ' ', 'x-auth-email': 'b@example.com' }), 'X-Auth-Email b@example.com', 'a blank Authorization is never remembered')
  t.equal(redact({}), 'none')
  t.equal(redact({ authorization: 'Bearer zzzzzzzz9876' }), 'Bearer …9876')
})

t.test('retryAfterMsOf reads retry-after-ms, else Retry-After in seconds', async (t) => {
  t.equal(retryAfterMsOf({ 'retry-after': '2' }), 2000)
  t.equal(retryAfterMsOf({ 'retry-after': 3 }), 3000, 'a number header value')
  t.equal(retryAfterMsOf({ 'retry-after': '1.5' }), 1500)
  t.equal(retryAfterMsOf({ 'retry-after-ms': '250', 'retry-after': '1' }), 250, 'the precise one wins')
  t.equal(retryAfterMsOf({ 'retry-after-ms': ' 12.5 ' }), 12.5)
  t.equal(retryAfterMsOf({ 'retry-after-ms': 'soon', 'retry-after': '1' }), 1000, 'an unreadable retry-after-ms falls back')
  t.equal(retryAfterMsOf({ 'retry-after': ['4', '9'] }), 4000)
  t.equal(retryAfterMsOf({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }), undefined, 'HTTP dates are not read')
  t.equal(retryAfterMsOf({ 'retry-after': '-1' }), undefined)
  t.equal(retryAfterMsOf({}), undefined)
})
