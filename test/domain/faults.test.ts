import t from 'tap'
import { FaultBook, FaultRuleError, forcedError, mulberry32, preferredStatus, type FaultAction, type FaultRequestInfo } from '../../src/domain/faults.js'
import type { FaultRuleInput } from '../../src/schemas/fault.js'

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353'
const OTHER_ACCOUNT = 'ffffffffffffffffffffffffffffffff'
const VIDEO = 'ea95132c15732412d22c1476fa83f27a'
const OTHER_VIDEO = '5d5bc37ffcf54c9b82e996823bffbb81'

const request = (overrides: Partial<FaultRequestInfo> = {}): FaultRequestInfo => ({
  method: 'GET',
  path: `/client/v4/accounts/${ACCOUNT}/stream/${VIDEO}/downloads`,
  account: ACCOUNT,
  video: VIDEO,
  ...overrides
})

/** The error a call throws, for assertions on its fields. */
function thrown (fn: () => unknown): FaultRuleError {
  try {
    fn()
  } catch (error) {
    if (error instanceof FaultRuleError) return error
    throw error
  }
  throw new Error('expected a FaultRuleError')
}

t.test('mulberry32: the same seed gives the same sequence, in [0, 1)', async (t) => {
  const a = mulberry32(42)
  const b = mulberry32(42)
  const c = mulberry32(43)
  const first = Array.from({ length: 5 }, () => a())
  t.same(first, Array.from({ length: 5 }, () => b()))
  t.not(first[0], c())
  for (const value of first) t.ok(value >= 0 && value < 1)
})

t.test('add: ids, defaults, copies', async (t) => {
  const book = new FaultBook()
  const input: FaultRuleInput = { status: 503, times: 2 }
  const rule = book.add(input)
  t.same(rule, { id: 'f1', status: 503, times: 2, hits: 0, remaining: 2 })
  t.same(book.add({ latencyMs: 10 }), { id: 'f2', latencyMs: 10, hits: 0, remaining: null })
  input.status = 500
  rule.hits = 99
  t.same(book.list().map((r) => [r.id, r.status, r.hits]), [['f1', 503, 0], ['f2', undefined, 0]], 'neither the input nor the answer changes the book')
  t.equal(book.maxRules, 100)
})

t.test('add: invalid rules name the field', async (t) => {
  const book = new FaultBook()
  const cases: Array<[unknown, string, RegExp]> = [
    [{}, 'status', /at least one of status, latencyMs or drop/],
    [{ drop: false }, 'status', /at least one of/],
    [{ match: { account: ACCOUNT } }, 'status', /at least one of/],
    [{ latencyMs: 5, error: { code: 1000, message: 'x' } }, 'error', /error needs status/],
    [{ drop: true, retryAfter: 1 }, 'retryAfter', /retryAfter needs status/],
    [{ latencyMs: 0, retryAfterMs: 1 }, 'retryAfterMs', /retryAfterMs needs status/],
    [{ status: 399 }, 'status', /400/],
    [{ status: 503.5 }, 'status', /integer/],
    [{ status: 503, probability: 1.5 }, 'probability', /1/],
    [{ status: 503, times: 0 }, 'times', /1/],
    [{ status: 503, latencyMs: 60_001 }, 'latencyMs', /60000/],
    [{ status: 503, match: { account: 'ABC' } }, 'match.account', /^32 lowercase hexadecimal characters \(got "ABC"\)$/],
    [{ status: 503, match: { method: 'get' } }, 'match.method', /^an uppercase HTTP method, such as GET \(got "get"\)$/],
    [{ status: 503, match: { colour: 'red' } }, 'match.colour', /^unknown property$/],
    [{ status: 503, error: { code: 999, message: 'x' } }, 'error.code', /1000/],
    [{ status: 503, error: { code: 1000 } }, 'error.message', /^missing required property$/],
    [{ status: 503, extra: true }, 'extra', /^unknown property$/],
    ['not a rule', '', /object/]
  ]
  for (const [input, field, message] of cases) {
    const error = thrown(() => book.add(input as FaultRuleInput))
    t.equal(error.field, field, JSON.stringify(input))
    t.match(error.message, message, JSON.stringify(input))
    t.equal(error.kind, 'invalid')
    t.equal(error.name, 'FaultRuleError')
  }
  t.same(book.list(), [], 'nothing was added')
})

t.test('the bound: a full book refuses a rule until one is removed', async (t) => {
  const book = new FaultBook(2)
  book.add({ status: 500 })
  book.add({ status: 500 })
  const error = thrown(() => book.add({ status: 500 }))
  t.equal(error.kind, 'full')
  t.equal(error.field, '')
  t.match(error.message, /full \(2 rules\)/)
  t.ok(book.remove('f1'))
  t.notOk(book.remove('f1'), 'a second delete finds nothing')
  t.equal(book.add({ status: 500 }).id, 'f3', 'ids are never reused')
})

t.test('take: matching by each field', async (t) => {
  const cases: Array<[FaultRuleInput['match'], Partial<FaultRequestInfo>, Partial<FaultRequestInfo>]> = [
    [{ method: 'POST' }, { method: 'POST' }, { method: 'GET' }],
    [{ account: ACCOUNT }, {}, { account: OTHER_ACCOUNT }],
    [{ account: ACCOUNT }, {}, { account: undefined }],
    [{ video: VIDEO }, {}, { video: OTHER_VIDEO }],
    [{ type: 'audio' }, { type: 'audio' }, { type: 'default' }],
    [{ type: 'default' }, { type: 'default' }, {}],
    [{ path: '/downloads/audio' }, { path: `/accounts/${ACCOUNT}/stream/${VIDEO}/downloads/audio` }, { path: `/accounts/${ACCOUNT}/stream/${VIDEO}/downloads` }],
    [{ path: 'audio' }, { path: '/x/audio?y=1' }, { path: '/x/downloads?type=audio' }],
    [{ method: 'DELETE', video: VIDEO, type: 'audio' }, { method: 'DELETE', type: 'audio' }, { method: 'DELETE', type: 'audio', video: OTHER_VIDEO }]
  ]
  for (const [match, hit, miss] of cases) {
    const book = new FaultBook()
    book.add({ match, status: 500 })
    t.equal(book.take(request(miss)), undefined, `${JSON.stringify(match)} misses ${JSON.stringify(miss)}`)
    t.equal(book.take(request(hit))?.rule.id, 'f1', `${JSON.stringify(match)} hits ${JSON.stringify(hit)}`)
  }
  const open = new FaultBook()
  open.add({ match: {}, status: 500 })
  t.ok(open.take({ method: 'PATCH', path: '/anything' }), 'an empty match matches everything')
})

t.test('take: creation order, hits, times and removal', async (t) => {
  const book = new FaultBook()
  book.add({ match: { method: 'POST' }, status: 429 })
  book.add({ status: 503, times: 2 })
  book.add({ status: 500 })
  const post = book.take(request({ method: 'POST' }))
  t.equal(post?.rule.id, 'f1', 'the first matching rule wins')
  t.equal(post?.rule.hits, 1)
  const first = book.take(request())
  t.same([first?.rule.id, first?.rule.hits, first?.rule.remaining], ['f2', 1, 1])
  const second = book.take(request())
  t.same([second?.rule.id, second?.rule.hits, second?.rule.remaining], ['f2', 2, 0])
  t.same(book.list().map((r) => r.id), ['f1', 'f3'], 'an exhausted rule is removed')
  t.equal(book.take(request())?.rule.id, 'f3')
  t.equal(book.list().find((r) => r.id === 'f3')?.remaining, null)
})

t.test('take: actions', async (t) => {
  const book = new FaultBook()
  const actionFor = (input: FaultRuleInput): FaultAction | undefined => {
    book.clear()
    book.add(input)
    return book.take(request())?.action
  }
  t.same(actionFor({ status: 503 }), { ruleId: 'f1', status: 503, errors: [{ code: 10503, message: 'Service temporarily unavailable' }], headers: {} })
  t.same(actionFor({ status: 429 }), { ruleId: 'f2', status: 429, errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }], headers: { 'retry-after': '1' } })
  t.same(actionFor({ status: 429, retryAfter: 7 })?.headers, { 'retry-after': '7' })
  t.same(actionFor({ status: 429, retryAfterMs: 250 })?.headers, { 'retry-after-ms': '250' }, 'retry-after-ms alone: no default Retry-After')
  t.same(actionFor({ status: 503, retryAfter: 2, retryAfterMs: 1500 })?.headers, { 'retry-after': '2', 'retry-after-ms': '1500' })
  t.same(actionFor({ status: 502, error: { code: 1234, message: 'Custom' } })?.errors, [{ code: 1234, message: 'Custom' }])
  t.same(actionFor({ latencyMs: 20 }), { ruleId: 'f7', latencyMs: 20, headers: {} })
  t.same(actionFor({ drop: true, latencyMs: 5 }), { ruleId: 'f8', latencyMs: 5, drop: true, headers: {} })
})

t.test('take: probability with a seed is reproducible and roughly right', async (t) => {
  const decisions = (input: FaultRuleInput, n: number): boolean[] => {
    const book = new FaultBook()
    book.add(input)
    return Array.from({ length: n }, () => book.take(request()) !== undefined)
  }
  const a = decisions({ status: 503, probability: 0.3, seed: 7 }, 1000)
  t.same(a, decisions({ status: 503, probability: 0.3, seed: 7 }, 1000), 'same seed, same decisions')
  t.notSame(a, decisions({ status: 503, probability: 0.3, seed: 8 }, 1000), 'another seed, other decisions')
  t.same(decisions({ status: 503, probability: 0.3 }, 50), decisions({ status: 503, probability: 0.3, seed: 1 }, 50), 'the default seed is 1')
  const hits = a.filter(Boolean).length
  t.ok(hits > 250 && hits < 350, `about 30 % of 1000 (${hits})`)
  t.notOk(decisions({ status: 503, probability: 0 }, 100).some(Boolean), 'probability 0: never')
  t.ok(decisions({ status: 503, probability: 1 }, 100).every(Boolean), 'probability 1: always')
})

t.test('take: a failed draw falls through to the next rule, and draws only on a match', async (t) => {
  const book = new FaultBook()
  book.add({ match: { method: 'POST' }, status: 500, probability: 0.5, seed: 3 })
  book.add({ status: 503 })
  const reference = mulberry32(3)
  for (let i = 0; i < 20; i++) {
    // GETs never match the first rule, so they must not consume its draws.
    t.equal(book.take(request())?.rule.id, 'f2')
    const expected = reference() < 0.5 ? 'f1' : 'f2'
    t.equal(book.take(request({ method: 'POST' }))?.rule.id, expected)
  }
})

t.test('list and clear per account', async (t) => {
  const book = new FaultBook()
  book.add({ match: { account: ACCOUNT }, status: 500 })
  book.add({ match: { account: OTHER_ACCOUNT }, status: 500 })
  book.add({ status: 500 })
  book.add({ match: { account: ACCOUNT, video: VIDEO }, status: 500 })
  t.same(book.list(ACCOUNT).map((r) => r.id), ['f1', 'f4'])
  t.same(book.list().map((r) => r.id), ['f1', 'f2', 'f3', 'f4'])
  t.equal(book.clear(ACCOUNT), 2)
  t.same(book.list().map((r) => r.id), ['f2', 'f3'])
  t.equal(book.clear(ACCOUNT), 0)
  t.equal(book.clear(), 2)
  t.same(book.list(), [])
})

t.test('preferredStatus parses Prefer: code=...', async (t) => {
  const cases: Array<[string | string[] | undefined, number | undefined]> = [
    ['code=503', 503],
    ['code=429', 429],
    ['code=400', 400],
    ['code=599', 599],
    ['respond-async, code=429', 429],
    ['respond-async,code=500;foo=bar, wait=10', 500],
    ['CODE = 502', 502],
    ['code="503"', 503],
    ['code=503 ', 503],
    [['respond-async', 'code=504'], 504],
    ['code=200', undefined],
    ['code=302', undefined],
    ['code=600', undefined],
    ['code=5030', undefined],
    ['code=abc', undefined],
    ['code=', undefined],
    ['code', undefined],
    ['codes=503', undefined],
    ['return=minimal', undefined],
    ['dynamic=true, code=200, code=503', undefined],
    ['', undefined],
    [undefined, undefined],
    // The edges of the scanner that replaced the regular expression, which answered the same.
    ['code=" 503 "', 503],
    ['\tcode\t=\t503\t;x', 503],
    ['code=""', undefined],
    ['code="', undefined],
    ['code="503', undefined],
    ['code=503"', undefined],
    ['code=5"03, code=504', 504],
    ['code=503 "', undefined],
    ['code=5 03', undefined],
    ['cod=503', undefined],
    ['code503', undefined],
    ['code=40x', undefined],
    ['code=4x0', undefined],
    ['code=\u0663\u0660\u0660', undefined]
  ]
  for (const [header, expected] of cases) t.equal(preferredStatus(header), expected, JSON.stringify(header))
})

t.test('forcedError: the catalogue error; 429 with Retry-After: 1', async (t) => {
  const rateLimited = forcedError(429)
  t.equal(rateLimited.statusCode, 429)
  t.same(rateLimited.errors, [{ code: 971, message: 'Please wait and consider throttling your request speed' }])
  t.same(rateLimited.headers, { 'retry-after': '1' })
  t.same([forcedError(500).statusCode, forcedError(500).errors, forcedError(500).headers], [500, [{ code: 10001, message: 'Internal server error' }], {}])
  t.same([forcedError(503).errors, forcedError(503).headers], [[{ code: 10503, message: 'Service temporarily unavailable' }], {}])
  t.same(forcedError(418).errors, [{ code: 10418, message: 'HTTP 418' }], 'a status the catalogue has no entry for')
})
