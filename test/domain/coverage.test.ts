import t from 'tap'
import { CoverageBook, MAX_COVERAGE_KEYS, OPERATIONS, operationOf, type CoverageRecord } from '../../src/domain/coverage.js'

const A = '0000000000000000000000000000000a'
const B = '0000000000000000000000000000000b'
const V = '00000000000000000000000000000001'
const W = '00000000000000000000000000000002'

const get = (extra: Partial<CoverageRecord> = {}): CoverageRecord => ({ account: A, video: V, method: 'GET', typed: false, status: 200, wallMs: 0, ...extra })

t.test('operations: a method and path the surface serves', async (t) => {
  t.equal(operationOf('GET', false), 'GET downloads')
  t.equal(operationOf('POST', true), 'POST downloads/{download_type}')
  t.equal(operationOf('GET', true), undefined, 'the typed path has no GET')
  t.equal(operationOf('PUT', false), undefined)
})

t.test('what an account was shown', async (t) => {
  const book = new CoverageBook()
  t.same(book.report(A).accounts[0]?.neverCalled, OPERATIONS, 'an account never seen: everything never called')
  book.record(get({ downloads: { default: 'inprogress', audio: 'ready' } }))
  book.record(get({ method: 'POST', typed: true, downloads: { default: 'inprogress', audio: 'ready' } }))
  book.record(get({ method: 'PUT', status: 405, errorCodes: [10000] }))
  book.record(get({ status: 404, errorCodes: [10003], downloads: undefined }))
  book.record(get({ status: 400, errorCodes: [7003, 7000] }))
  book.record(get({ status: 503, forced: 'fault', faultId: 'f1', errorCodes: [10503] }))
  book.record(get({ status: 0, forced: 'fault', faultId: 'f2' }))
  book.record(get({ status: 500, forced: 'prefer', errorCodes: [10001] }))
  book.record({ method: 'GET', typed: false, status: 400, wallMs: 0 })
  const [report] = book.report().accounts
  t.match(report, {
    account: A,
    requests: 8,
    operations: { 'GET downloads': 6, 'POST downloads/{download_type}': 1, 'DELETE downloads': 0 },
    neverCalled: ['HEAD downloads', 'POST downloads', 'DELETE downloads', 'DELETE downloads/{download_type}'],
    statuses: { 200: 2, 405: 1, 404: 1, 400: 1, 503: 1, 0: 1, 500: 1 },
    errorCodes: { 10000: 1, 10003: 1, 7003: 1, 7000: 1, 10503: 1, 10001: 1 },
    statesSeen: { default: { inprogress: 2, ready: 0, error: 0 }, audio: { inprogress: 0, ready: 2, error: 0 } },
    faults: { taken: 2, dropped: 1, byRule: { f1: 1, f2: 1 }, preferForced: 1 }
  })
  t.equal(book.report().untracked, 1, 'a request of no account')
  t.equal(book.report(A).untracked, 0)
})

t.test('polls after settled, by the polling report\'s rules', async (t) => {
  const book = new CoverageBook()
  book.record(get({ downloads: { default: 'inprogress' } }))
  book.record(get({ downloads: { default: 'ready' } }))
  book.record(get({ downloads: { default: 'ready' } }))
  book.record(get({ method: 'HEAD', downloads: { default: 'ready' } }))
  book.record(get({ method: 'POST', downloads: { default: 'ready' } }))
  book.record(get({ video: W, downloads: { default: 'error' } }))
  book.record(get({ video: W, downloads: { default: 'error' } }))
  book.record(get({ video: W, method: 'POST', downloads: { default: 'inprogress' } }))
  t.match(book.report().accounts[0], { pollsAfterReady: 2, pollsAfterError: 1 }, 'HEAD is no poll; a retry\'s answer shows no error')
  const shared = { default: 'ready' } as const
  book.record(get({ downloads: shared }))
  book.record(get({ downloads: shared }))
  t.match(book.report().accounts[0], { pollsAfterReady: 4 }, 'the same statuses shown again (a settled answer\'s shared object)')
})

t.test('Retry-After: asked, then honoured or not by the next request on the video', async (t) => {
  const book = new CoverageBook()
  book.record(get({ status: 429, retryAfterMs: 1000, wallMs: 0 }))
  t.match(book.report().accounts[0]?.retryAfter, { asked: 1, pending: 1 })
  book.record(get({ wallMs: 1000 }))
  book.record(get({ status: 429, retryAfterMs: 1000, wallMs: 2000 }))
  book.record(get({ status: 429, retryAfterMs: 1000, wallMs: 2500 }))
  book.record(get({ wallMs: 2600 }))
  t.same(book.report().accounts[0]?.retryAfter, { asked: 3, honoured: 1, notHonoured: 2, pending: 0 })
})

t.test('bounds: accounts, videos followed, keys', async (t) => {
  const book = new CoverageBook({ maxAccounts: 1, maxVideos: 1 })
  book.record(get({ status: 429, retryAfterMs: 1000 }))
  book.record(get({ account: B }))
  t.equal(book.report().untracked, 1, 'past the accounts counted')
  book.record(get({ video: W }))
  t.match(book.report().accounts[0]?.retryAfter, { asked: 1, pending: 0 }, 'a video forgotten leaves its wait unjudged')
  book.record(get({ video: V, downloads: { default: 'ready' } }))
  book.record(get({ video: V, downloads: { default: 'ready' } }))
  t.equal(book.report().accounts[0]?.pollsAfterReady, 1)

  const keys = new CoverageBook()
  for (let code = 0; code < MAX_COVERAGE_KEYS + 5; code++) keys.record(get({ status: 400, errorCodes: [20_000 + code] }))
  const codes = keys.report().accounts[0]?.errorCodes ?? {}
  t.equal(Object.keys(codes).length, MAX_COVERAGE_KEYS + 1)
  t.equal(codes.other, 5)
})

t.test('a video named by another account is followed anew', async (t) => {
  const book = new CoverageBook()
  book.record(get({ status: 429, retryAfterMs: 1000 }))
  book.record(get({ account: B }))
  t.match(book.report(A).accounts[0]?.retryAfter, { asked: 1, honoured: 0, notHonoured: 0, pending: 0 })
  t.match(book.report(B).accounts[0]?.retryAfter, { asked: 0, pending: 0 })
})

t.test('clear: all, or one account', async (t) => {
  const book = new CoverageBook()
  book.record(get())
  book.record(get({ account: B, video: W }))
  book.record({ method: 'GET', typed: false, status: 400, wallMs: 0 })
  t.equal(book.clear(A), 1)
  t.equal(book.clear(A), 0)
  t.same(book.report().accounts.map((coverage) => coverage.account), [B])
  t.equal(book.clear(), 1)
  t.same(book.report(), { operations: [...OPERATIONS], accounts: [], untracked: 0 })
})
