/**
 * Property-based fuzzing of the whole app through `app.inject`: the arbitraries (random requests
 * on the Cloudflare surface, the media urls, the admin API and elsewhere, with hostile headers and
 * bodies) and the harness that sends them and checks the invariants after every request. Used by
 * test/fuzz.test.ts (bounded, fixed seed) and scripts/fuzz.ts (long runs, random seed).
 */
import { statSync } from 'node:fs'
import { METHODS } from 'node:http'
import { join } from 'node:path'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { BUNDLED_ASSETS } from '../../src/paths.js'
import { ACCOUNT, OTHER_ACCOUNT, UNKNOWN_VIDEO, VIDEOS } from './ids.js'
import { contractProblems } from './contract.js'

// ---- requests ---------------------------------------------------------------------------------

/** Which part of the server a generated request aims at (for statistics; the checks do not trust it). */
export type Target = 'cloudflare' | 'videos' | 'upload' | 'media' | 'admin' | 'other'

/** One generated request, as `app.inject` takes it. */
export interface FuzzRequest {
  target: Target
  method: string
  /**
   * May hold `{fault0}`, `{fault1}`: the ids of the fault rules this run added, and `{video0}`:
   * the uid of the video this run's last copy or direct upload made (also in a body), filled in when sent.
   */
  url: string
  headers: Record<string, string>
  payload?: string | Buffer
}

/** A short, bounded description of a request, for failure messages and counterexamples. */
export function describeRequest (request: FuzzRequest): string {
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${clip(value, 80)}`).join('; ')
  let payload = 'no body'
  if (request.payload !== undefined) {
    // Only the start is shown (and escaped): bodies can be 1.5 MiB.
    const start = typeof request.payload === 'string' ? request.payload.slice(0, 120) : request.payload.subarray(0, 120).toString('latin1')
    const kind = typeof request.payload === 'string' ? 'string' : 'Buffer'
    payload = `${kind} of ${request.payload.length}: ${JSON.stringify(start)}${request.payload.length > 120 ? '…' : ''}`
  }
  return `${request.method} ${clip(request.url, 200)} [${headers}] (${payload})`
}

function clip (text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`
}

/** Gives a request a readable form in fast-check's counterexample reports (bodies can be 1.5 MiB). */
function printable (request: FuzzRequest): FuzzRequest {
  Object.defineProperty(request, fc.toStringMethod, { value: () => describeRequest(request), enumerable: false })
  return request
}

// ---- ids, paths, query strings ------------------------------------------------------------------

/** A video a fuzz run may create through the admin API, and an account no fixture uses. */
export const FRESH_VIDEO = '00000000000000000000000000000b01'
export const FRESH_ACCOUNT = '0000000000000000000000000000000a'

const KNOWN_VIDEOS = Object.values(VIDEOS)

/** Lazily built big strings, shared by every run (building 1.5 MiB each time would be slow). */
const bigCache = new Map<string, string>()
function big (key: string, make: () => string): string {
  let value = bigCache.get(key)
  if (value === undefined) bigCache.set(key, value = make())
  return value
}
const lazy = (key: string, make: () => string): fc.Arbitrary<string> => fc.constant(null).map(() => big(key, make))

const percentEncodeAll = (text: string): string => [...text].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')

/** Strings a path segment may hold: printable, unicode, or anything percent-encoded. */
const segmentNoiseArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !/[/?#%\\]/.test(s)),
  fc.stringMatching(/^[0-9a-fA-F]{30,34}$/)
)

/** Ids that are not 32 lowercase hex characters, and some that only look so once decoded. */
const malformedIdArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', 'x', ACCOUNT.toUpperCase(), ACCOUNT.slice(1), `${ACCOUNT}0`, '..', '.', '..%2f..%2fpackage.json', '..%2F..%2Fsrc%2Fapp.ts',
    '%2e%2e%2f%2e%2e%2f', '%00', `${VIDEOS.ready}%00`, '%zz', '%', '%E0%A4%A', '__proto__', 'constructor', 'prototype',
    'null', 'undefined', '%20'.repeat(32), encodeURIComponent('é'.repeat(32)), encodeURIComponent('😀'), '*', '~', ';'
  ),
  lazy('id-10000', () => 'a'.repeat(10_000)),
  lazy('id-10000-hex', () => VIDEOS.ready.repeat(313)),
  segmentNoiseArb
)

/** Account ids: mostly the fixtures', sometimes another well-formed one, sometimes malformed. */
const accountArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(ACCOUNT) },
  { weight: 2, arbitrary: fc.constantFrom(OTHER_ACCOUNT, FRESH_ACCOUNT) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/) },
  { weight: 1, arbitrary: fc.constant(null).map(() => percentEncodeAll(ACCOUNT)) },
  { weight: 2, arbitrary: malformedIdArb }
)

/** Video ids: mostly the fixtures', sometimes a fresh or unknown one, sometimes malformed. */
const videoArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 14, arbitrary: fc.constantFrom(...KNOWN_VIDEOS) },
  { weight: 2, arbitrary: fc.constantFrom(FRESH_VIDEO, UNKNOWN_VIDEO) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{32}$/) },
  { weight: 1, arbitrary: fc.constantFrom(...KNOWN_VIDEOS).map(percentEncodeAll) },
  { weight: 2, arbitrary: malformedIdArb }
)

/** Only well-formed ids, for bodies and queries of the admin API. */
const wellFormedVideoArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...KNOWN_VIDEOS) }, { weight: 2, arbitrary: fc.constantFrom(FRESH_VIDEO, UNKNOWN_VIDEO) })
const wellFormedAccountArb = fc.oneof({ weight: 8, arbitrary: fc.constant(ACCOUNT) }, { weight: 2, arbitrary: fc.constantFrom(OTHER_ACCOUNT, FRESH_ACCOUNT) })

const downloadTypeArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('default', 'audio') },
  { weight: 1, arbitrary: fc.constantFrom('video', 'DEFAULT', 'Audio', '', 'default%00', 'audio.m4a', '..%2faudio', '__proto__', 'constructor') },
  { weight: 1, arbitrary: segmentNoiseArb }
)

const queryArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constant('') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '?', '?x=1', '?a=1&a=2', '?__proto__[polluted]=1', '?constructor[prototype][polluted]=1', `?account=${ACCOUNT}`,
      `?account=${OTHER_ACCOUNT}`, '?account=nope', `?video=${VIDEOS.ready}`, '?limit=1', '?limit=0', '?limit=10001', '?limit=-1',
      '?limit=abc', '?filename=clip', '?filename=my-clip_2', '?filename=a%20b', '?filename=%22%0D%0ASet-Cookie:%20x=1',
      '?filename=', '?filename=../../etc/passwd', '?filename=a&filename=b', '?%zz=1', '?x=%zz'
    )
  },
  { weight: 1, arbitrary: lazy('query-filename-121', () => `?filename=${'a'.repeat(121)}`) },
  { weight: 1, arbitrary: lazy('query-10000', () => `?x=${'q'.repeat(10_000)}`) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 3 }).map((entries) => `?${new URLSearchParams(entries).toString()}`) }
)

// ---- headers ----------------------------------------------------------------------------------

/** Printable ASCII: what every HTTP client can send in a header value. */
const headerTextArb = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength })

const credentialsArb: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ authorization: 'Bearer fuzz-token-123456' }) },
  { weight: 2, arbitrary: fc.constant({ 'x-auth-email': 'fuzz@example.com', 'x-auth-key': 'fuzz-key' }) },
  { weight: 2, arbitrary: fc.constant({}) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Record<string, string>>(
      { authorization: 'Bearer' }, { authorization: 'Bearer ' }, { authorization: 'bearer token' }, { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer a b' }, { authorization: '' }, { authorization: '   ' }, { 'x-auth-email': 'fuzz@example.com' },
      { 'x-auth-key': 'k' }, { 'x-auth-email': ' ', 'x-auth-key': ' ' }, { authorization: 'Bearer \ttab' }
    )
  },
  { weight: 1, arbitrary: headerTextArb(60).map((value) => ({ authorization: value })) },
  { weight: 1, arbitrary: lazy('token-100k', () => `Bearer ${'t'.repeat(100_000)}`).map((value) => ({ authorization: value })) },
  { weight: 1, arbitrary: lazy('email-20k', () => `${'e'.repeat(20_000)}@example.com`).map((email) => ({ 'x-auth-email': email, 'x-auth-key': 'k' })) }
)

const preferArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'code=429', 'code=503', 'code=500', 'code=404', 'code=200', 'code=999', 'code=abc', 'code="502"', 'return=minimal, code=504',
      'code=400; foo=bar', 'CODE = 401', 'code=', 'code=5030', 'dynamic=true', 'code=429,code=500'
    )
  },
  { weight: 1, arbitrary: headerTextArb(40) }
)

const contentTypeArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/vnd.api+json',
      'APPLICATION/JSON', 'application/json; charset=utf-16', 'application/jsonx', 'application/json;', ';;;', '', 'application/',
      '*/*', 'application/octet-stream', 'application/json, text/plain', 'application/json; charset="utf-8"'
    )
  },
  { weight: 1, arbitrary: headerTextArb(40) },
  { weight: 1, arbitrary: lazy('ct-20k', () => `application/json; x=${'y'.repeat(20_000)}`) }
)

const mediaHeadersArb: fc.Arbitrary<Record<string, string>> = fc.record({
  range: fc.constantFrom('bytes=0-99', 'bytes=-10', 'bytes=100-', 'bytes=99999999-', 'bytes=5-1', 'bytes=0-1,5-9', 'bytes=abc', 'items=0-1', 'bytes=0-0', 'bytes=15105-'),
  'if-none-match': fc.constantFrom('"nope"', '*', 'W/"x"'),
  'if-range': fc.constantFrom('"nope"', 'Wed, 21 Oct 2015 07:28:00 GMT')
}, { requiredKeys: [] })

const extraHeadersArb: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerTextArb(40), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ host: 'mock:8787' }, { host: 'evil.example"><script>' }, { host: '[::1]:8787' }, { host: '' }, { host: 'a..b:99999' }, { 'x-forwarded-proto': 'https' }, { 'x-mock-admin-token': 'x' }, { 'content-length': '5' }, { 'transfer-encoding': 'chunked' }, { expect: '100-continue' }) },
  { weight: 1, arbitrary: lazy('header-200k', () => 'h'.repeat(200_000)).map((value) => ({ 'x-huge': value })) }
)

// ---- bodies -----------------------------------------------------------------------------------

interface Body { payload?: string | Buffer, contentType?: string }

const MIB = 1024 * 1024
const hugeString = (bytes: number): string => `{"a":"${'x'.repeat(bytes - 8)}"}`

/** Bodies no endpoint should take badly: broken, hostile, oversized, deeply nested. */
const hostileBodyArb: fc.Arbitrary<Body> = fc.oneof(
  fc.constantFrom<Body>(
    { payload: '', contentType: 'application/json' },
    { payload: '   \n', contentType: 'application/json' },
    { payload: '{', contentType: 'application/json' },
    { payload: '{"a":1,}', contentType: 'application/json' },
    { payload: "{'a':1}", contentType: 'application/json' },
    { payload: 'NaN', contentType: 'application/json' },
    { payload: '[]', contentType: 'application/json' },
    { payload: '"x"', contentType: 'application/json' },
    { payload: 'null', contentType: 'application/json' },
    { payload: '1e999', contentType: 'application/json' },
    { payload: 'true', contentType: 'application/json' },
    { payload: '\uFEFF{}', contentType: 'application/json' },
    { payload: '{"a":1}{"b":2}', contentType: 'application/json' },
    { payload: '{"a":1,"a":{"b":2}}', contentType: 'application/json' },
    { payload: '{"__proto__":{"polluted":"yes"}}', contentType: 'application/json' },
    { payload: '{"constructor":{"prototype":{"polluted":"yes"}}}', contentType: 'application/json' },
    { payload: '{"a":{"__proto__":{"polluted":"yes"}},"b":[{"constructor":{"prototype":{"polluted":"yes"}}}]}', contentType: 'application/json' },
    { payload: '{"prototype":{"polluted":"yes"}}', contentType: 'application/json' },
    { payload: 'account=x', contentType: 'application/x-www-form-urlencoded' },
    { payload: '{}', contentType: 'text/plain' },
    { payload: '{}' }
  ),
  // Invalid UTF-8 inside a JSON string, and raw random bytes.
  fc.constantFrom(Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80])).map((bad): Body => ({
    payload: Buffer.concat([Buffer.from('{"account":"'), bad, Buffer.from('"}')]),
    contentType: 'application/json'
  })),
  fc.uint8Array({ maxLength: 64 }).map((bytes): Body => ({ payload: Buffer.from(bytes), contentType: 'application/json' })),
  // Around the 1 MiB limit, and well over it.
  fc.constantFrom(MIB - 64, MIB, MIB + 1, Math.floor(1.5 * MIB)).map((bytes): Body => ({ payload: big(`huge-${bytes}`, () => hugeString(bytes)), contentType: 'application/json' })),
  fc.constant(null).map((): Body => ({ payload: big('raw-1.5', () => 'z'.repeat(Math.floor(1.5 * MIB))), contentType: 'text/plain' })),
  // Deep nesting, open and closed, arrays and objects.
  fc.tuple(fc.constantFrom(100, 10_000, 100_000), fc.constantFrom('open', 'array', 'object', 'mixed')).map(([depth, shape]): Body => ({
    payload: big(`deep-${shape}-${depth}`, () => {
      switch (shape) {
        case 'open': return '['.repeat(depth)
        case 'array': return '['.repeat(depth) + ']'.repeat(depth)
        case 'object': return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
        default: return '{"a":' + '[{"b":'.repeat(depth) + '1' + '}]'.repeat(depth) + '}'
      }
    }),
    contentType: 'application/json'
  }))
)

/**
 * A body around a generated JSON value: mostly the value as JSON, sometimes no body, a truncated
 * or prototype-poisoned version of it, another content type, or a hostile body.
 */
function bodyOf (value: fc.Arbitrary<unknown>): fc.Arbitrary<Body> {
  const json = value.map((v) => JSON.stringify(v) ?? 'null')
  return fc.oneof(
    { weight: 10, arbitrary: json.map((payload): Body => ({ payload, contentType: 'application/json' })) },
    { weight: 3, arbitrary: fc.constant<Body>({}) },
    { weight: 1, arbitrary: fc.tuple(json, fc.nat()).map(([text, cut]): Body => ({ payload: text.slice(0, text.length === 0 ? 0 : cut % text.length), contentType: 'application/json' })) },
    {
      weight: 1,
      arbitrary: fc.tuple(json, fc.constantFrom('__proto__', 'constructor', 'prototype')).map(([text, key]): Body => ({
        payload: text.startsWith('{') && text !== '{}' ? `{"${key}":{"polluted":"yes","status":"error","percentComplete":5},${text.slice(1)}` : `{"${key}":{"polluted":"yes"}}`,
        contentType: 'application/json'
      }))
    },
    { weight: 1, arbitrary: fc.tuple(json, contentTypeArb).map(([payload, contentType]): Body => ({ payload, contentType })) },
    { weight: 1, arbitrary: fc.tuple(json).map(([payload]): Body => ({ payload: Buffer.from(payload, 'utf8'), contentType: 'application/json; charset=utf-8' })) },
    { weight: 2, arbitrary: hostileBodyArb }
  )
}

/** Any small JSON value with keys the admin schemas know, so random objects sometimes look right. */
const fieldNameArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('account', 'ms', 'rate', 'status', 'percentComplete', 'model', 'speed', 'step', 'failAt', 'holdAt', 'videos', 'id', 'downloads', 'onCreate', 'match', 'times', 'probability', 'seed', 'error', 'retryAfter', 'description', 'accounts', 'progression', 'state', 'input', 'url', 'meta', 'maxDurationSeconds', 'expiry') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }
)
const looseObjectArb: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(fieldNameArb, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })

/** A value that is sometimes right for a field and sometimes not (wrong type, out of range). */
const maybe = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: invalid })

const percentArb = maybe(
  fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(0, 25, 50, 60, 99.9, 100)),
  fc.constantFrom(-1, 100.01, 150, 1e308, -1e-9, '50', '', 'x', true, [], {}, null)
)
const statusArb = maybe(fc.constantFrom('inprogress', 'ready', 'error'), fc.constantFrom('done', 'READY', '', 0, null))
const modelArb = maybe(fc.constantFrom('time', 'polls', 'manual', 'immediate'), fc.constantFrom('fast', 'TIME', 1, null))
const speedArb = maybe(fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(0, 1, 10, 50, 100, 5e-324, 1e-9, 0.01)), fc.constantFrom(-1, 101, 1e9, 'fast', null))
const stepArb = maybe(fc.oneof(fc.double({ min: 0.1, max: 100, noNaN: true }), fc.constantFrom(1, 25, 33.33, 100, 0.05, 0.01, 1e-9)), fc.constantFrom(0, -5, 101, 'x'))
const nullablePercentArb = fc.oneof({ weight: 4, arbitrary: percentArb }, { weight: 1, arbitrary: fc.constant(null) })

const progressionArb = fc.record({ model: modelArb, speed: speedArb, step: stepArb, failAt: percentArb, holdAt: percentArb }, { requiredKeys: [] })
const downloadFixtureArb = fc.record({ status: statusArb, percentComplete: percentArb, model: modelArb, speed: speedArb, step: stepArb, failAt: percentArb, holdAt: percentArb }, { requiredKeys: [] })
const downloadPatchArb = fc.record({ status: statusArb, percentComplete: percentArb, model: modelArb, speed: speedArb, step: stepArb, failAt: nullablePercentArb, holdAt: nullablePercentArb }, { requiredKeys: [] })
const bodyAccountArb = maybe(wellFormedAccountArb, malformedIdArb)
const videoInputArb = fc.record({
  account: bodyAccountArb,
  description: fc.string({ maxLength: 20 }),
  downloads: fc.record({ default: downloadFixtureArb, audio: downloadFixtureArb }, { requiredKeys: [] }),
  onCreate: fc.record({ default: progressionArb, audio: progressionArb }, { requiredKeys: [] })
}, { requiredKeys: ['account'] })
const videoFixtureArb = fc.tuple(videoInputArb, maybe(wellFormedVideoArb, malformedIdArb)).map(([video, id]) => ({ id, ...video }))
const videoPointArb = maybe(fc.oneof(fc.constantFrom('downloading', 'queued'), fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true })), fc.constantFrom('inprogress', 'ready', 101, -1, null, ''))
const phaseMsArb = maybe(fc.constantFrom(0, 1, 500, 2000, 60_000), fc.constantFrom(-1, 1.5, '1000', 31_536_000_001, null))
const videoProgressionArb = fc.record({
  model: modelArb,
  downloadingMs: phaseMsArb,
  queuedMs: phaseMsArb,
  speed: speedArb,
  step: stepArb,
  failAt: videoPointArb,
  holdAt: videoPointArb,
  errorReasonCode: maybe(fc.constantFrom('ERR_NON_VIDEO', 'ERR_UNKNOWN', 'ERR_FETCH_ORIGIN_ERROR', 'ERR_MOCK_OWN'), fc.constantFrom('err', 'ERR_', '', 'ERR_lower', 5, null))
}, { requiredKeys: [] })
const accountSettingsArb = fc.record({
  description: maybe(fc.string({ maxLength: 20 }), fc.constantFrom(1, null)),
  progression: maybe(videoProgressionArb, fc.constantFrom('fast', [], null))
}, { requiredKeys: [] })
const accountFixtureArb = fc.tuple(accountSettingsArb, bodyAccountArb).map(([settings, id]) => ({ id, ...settings }))
const lifeChangeArb = fc.record({
  state: maybe(fc.constantFrom('pendingupload', 'downloading', 'queued', 'inprogress', 'ready', 'error'), fc.constantFrom('live-inprogress', 'READY', '', 1)),
  pctComplete: percentArb,
  progression: videoProgressionArb,
  errorReasonCode: maybe(fc.constantFrom('ERR_NON_VIDEO', 'ERR_UNKNOWN'), fc.constantFrom('x', '')),
  dropDownloads: maybe(fc.boolean(), fc.constantFrom('yes', 1))
}, { requiredKeys: [] })
const fixtureDocumentArb = fc.record({
  accounts: fc.array(accountFixtureArb, { maxLength: 2 }),
  videos: fc.array(videoFixtureArb, { maxLength: 3 }),
  description: fc.string({ maxLength: 20 }),
  $schema: fc.constant('../schemas/fixture.schema.json')
}, { requiredKeys: ['videos'] })
const accountBodyArb = fc.record({ account: bodyAccountArb }, { requiredKeys: [] })
const advanceBodyArb = fc.record({
  ms: maybe(fc.oneof(fc.constantFrom(0, 1, 100, 1000, 4000, 6000, 10_000, 60_000, 31_536_000_000), fc.integer({ min: 0, max: 120_000 })), fc.constantFrom(-1, 1.5, 31_536_000_001, '1000', 'x', null, 1e308)),
  account: bodyAccountArb
}, { requiredKeys: [] })
const rateBodyArb = fc.record({ rate: maybe(fc.constantFrom(0, 0.5, 1, 10, 1000), fc.constantFrom(-1, 1001, 'x', null)), account: bodyAccountArb }, { requiredKeys: [] })
/**
 * Fault rules, mostly valid (a status, a match, a few options), sometimes not. `drop` and a
 * positive `latencyMs` are left out of the valid ones (inject never answers a dropped connection,
 * and a delay only slows the run); the harness also deletes any accepted rule that has them, in
 * case the schema's type coercion made one.
 */
const faultMatchArb = fc.record({
  method: maybe(fc.constantFrom('GET', 'POST', 'DELETE', 'HEAD'), fc.constantFrom('get', 'G E T', 'X'.repeat(17), '')),
  video: maybe(wellFormedVideoArb, malformedIdArb),
  account: bodyAccountArb,
  type: maybe(fc.constantFrom('default', 'audio'), fc.constantFrom('video', '')),
  path: maybe(fc.constantFrom('/downloads', '/audio', '/client/v4'), fc.constantFrom('', 'x'.repeat(2049)))
}, { requiredKeys: [] })
const validFaultRuleArb = fc.record({
  match: faultMatchArb,
  status: fc.constantFrom(400, 403, 404, 409, 429, 500, 502, 503, 504, 599),
  error: fc.record({ code: fc.integer({ min: 1000, max: 99_999 }), message: fc.string({ minLength: 1, maxLength: 20 }) }),
  retryAfter: fc.integer({ min: 0, max: 3600 }),
  retryAfterMs: fc.integer({ min: 0, max: 3_600_000 }),
  latencyMs: fc.constant(0),
  drop: fc.constant(false),
  times: fc.integer({ min: 1, max: 3 }),
  probability: fc.double({ min: 0, max: 1, noNaN: true }),
  seed: fc.integer()
}, { requiredKeys: ['status'] })
const invalidFaultRuleArb = fc.tuple(validFaultRuleArb, fc.constantFrom<Record<string, unknown>>(
  { status: 200 }, { status: 399 }, { status: 600 }, { status: 503.5 }, { status: null }, { status: '503' }, { status: undefined },
  { status: undefined, retryAfter: 5 }, { error: { code: 1 } }, { error: { code: 1000, message: '' } }, { error: 'x' },
  { retryAfter: -1 }, { retryAfter: 3601 }, { retryAfterMs: 1.5 }, { latencyMs: -1 }, { latencyMs: 60_001 }, { latencyMs: 'x' },
  { drop: 'maybe' }, { drop: { yes: 1 } }, { times: 0 }, { times: -1 }, { times: 1.5 }, { probability: -0.1 }, { probability: 1.1 },
  { probability: 'half' }, { seed: 1.5 }, { match: 'all' }, { match: { method: 'get' } }, { match: { video: 'x' } }, { match: { other: 1 } }, { extra: true }
)).map(([rule, change]) => ({ ...rule, ...change }))
const faultRuleArb = fc.oneof({ weight: 3, arbitrary: validFaultRuleArb }, { weight: 2, arbitrary: invalidFaultRuleArb })

// ---- endpoints --------------------------------------------------------------------------------

/** A method that is usually `usual`, sometimes any method Node knows. */
const methodArb = (...usual: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) })

interface Endpoint { weight: number, method: fc.Arbitrary<string>, path: fc.Arbitrary<string>, body?: fc.Arbitrary<unknown>, query?: fc.Arbitrary<string> }

const ADMIN = '/__mock'
const adminVideoArb = fc.oneof({ weight: 8, arbitrary: wellFormedVideoArb }, { weight: 1, arbitrary: malformedIdArb })
const adminTypeArb = downloadTypeArb
const accountQueryArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: wellFormedAccountArb.map((account) => `?account=${account}`) },
  { weight: 1, arbitrary: queryArb }
)

const adminEndpoints: Endpoint[] = [
  { weight: 2, method: methodArb('POST'), path: fc.constant(`${ADMIN}/reset`), body: accountBodyArb },
  { weight: 3, method: methodArb('POST'), path: fc.constant(`${ADMIN}/fixtures`), body: fixtureDocumentArb },
  { weight: 1, method: methodArb('GET'), path: fc.constantFrom(`${ADMIN}/fixture-schema.json`, `${ADMIN}/openapi.json`) },
  { weight: 2, method: methodArb('GET', 'PUT'), path: fc.constant(`${ADMIN}/defaults`), body: progressionArb },
  { weight: 3, method: methodArb('GET', 'POST'), path: fc.constant(`${ADMIN}/videos`), body: videoFixtureArb, query: accountQueryArb },
  { weight: 3, method: methodArb('GET', 'PUT', 'DELETE'), path: adminVideoArb.map((video) => `${ADMIN}/videos/${video}`), body: videoInputArb },
  { weight: 8, method: methodArb('PUT', 'PATCH', 'PATCH', 'DELETE'), path: fc.tuple(adminVideoArb, adminTypeArb).map(([video, type]) => `${ADMIN}/videos/${video}/downloads/${type}`), body: fc.oneof(downloadPatchArb, downloadFixtureArb) },
  { weight: 3, method: methodArb('PUT', 'DELETE'), path: fc.tuple(adminVideoArb, adminTypeArb).map(([video, type]) => `${ADMIN}/videos/${video}/on-create/${type}`), body: progressionArb },
  { weight: 2, method: methodArb('PATCH'), path: adminVideoArb.map((video) => `${ADMIN}/videos/${video}/lifecycle`), body: lifeChangeArb },
  { weight: 1, method: methodArb('GET'), path: fc.constant(`${ADMIN}/accounts`) },
  { weight: 4, method: methodArb('PUT', 'PUT', 'GET', 'DELETE'), path: fc.oneof({ weight: 8, arbitrary: wellFormedAccountArb }, { weight: 1, arbitrary: malformedIdArb }).map((account) => `${ADMIN}/accounts/${account}`), body: accountSettingsArb },
  { weight: 1, method: methodArb('GET'), path: fc.constant(`${ADMIN}/clock`), query: accountQueryArb },
  { weight: 8, method: methodArb('POST'), path: fc.constant(`${ADMIN}/clock/advance`), body: advanceBodyArb },
  { weight: 2, method: methodArb('POST'), path: fc.constantFrom(`${ADMIN}/clock/freeze`, `${ADMIN}/clock/resume`), body: accountBodyArb },
  { weight: 1, method: methodArb('PUT'), path: fc.constant(`${ADMIN}/clock/rate`), body: rateBodyArb },
  { weight: 8, method: methodArb('GET', 'POST', 'POST', 'DELETE'), path: fc.constant(`${ADMIN}/faults`), body: faultRuleArb, query: accountQueryArb },
  { weight: 2, method: methodArb('DELETE'), path: fc.constantFrom('{fault0}', '{fault1}', 'f0', 'x'.repeat(33), '%zz').map((id) => `${ADMIN}/faults/${id}`) },
  { weight: 2, method: methodArb('GET', 'DELETE'), path: fc.constant(`${ADMIN}/journal`), query: fc.oneof(accountQueryArb, wellFormedVideoArb.map((video) => `?video=${video}&limit=5`)) },
  { weight: 1, method: methodArb('GET'), path: adminVideoArb.map((video) => `${ADMIN}/polling/${video}`) },
  { weight: 2, method: fc.constantFrom(...METHODS), path: fc.oneof(fc.constantFrom(ADMIN, `${ADMIN}/`, `${ADMIN}/nope`, `${ADMIN}/videos/`, `${ADMIN}/clock/advance/x`, `${ADMIN}/%5F%5F`), segmentNoiseArb.map((s) => `${ADMIN}/${s}`)) }
]

const cloudflarePathArb: fc.Arbitrary<string> = fc.tuple(
  fc.oneof({ weight: 8, arbitrary: fc.constantFrom('/client/v4', '') }, { weight: 1, arbitrary: fc.constantFrom('/client/v4/', '/client/v3', '/CLIENT/v4', '/client/v4/client/v4', '/client%2Fv4') }),
  accountArb,
  videoArb,
  fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 6, arbitrary: downloadTypeArb.map((type) => `/${type}`) }, { weight: 1, arbitrary: fc.constantFrom('/', '/default/extra', '/default/', '//audio') })
).map(([prefix, account, video, suffix]) => `${prefix}/accounts/${account}/stream/${video}/downloads${suffix}`)

const createBodyArb = fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: looseObjectArb }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) })

const mediaPathArb: fc.Arbitrary<string> = fc.tuple(
  fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('/client/v4', '/stream') }),
  videoArb,
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('default.mp4', 'audio.m4a') },
    { weight: 1, arbitrary: fc.constantFrom('default.m4a', 'audio.mp4', 'other.mp4', '..%2f..%2fpackage.json', '..%2F..%2F..%2Fetc%2Fpasswd', 'default.mp4%00', 'default.mp4%2f..', 'default.mp4/', 'DEFAULT.MP4', '%2e%2e') }
  )
).map(([prefix, video, file]) => `${prefix}/${video}/downloads/${file}`)

const otherPathArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('/healthz', '/healthz', '/', '/favicon.ico', '/client/v4', '/client/v4/', '/accounts', '/healthz/', '/HEALTHZ', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/etc/passwd', '/assets/default.mp4', '/.env', '/%zz', '/a%00b'),
  lazy('path-10000', () => `/${'p'.repeat(10_000)}`),
  lazy('path-10000-cf', () => `/client/v4/accounts/${ACCOUNT}/stream/${'v'.repeat(10_000)}/downloads`),
  fc.array(segmentNoiseArb, { minLength: 1, maxLength: 5 }).map((segments) => `/${segments.join('/')}`),
  fc.webPath().map((path) => path.startsWith('/') ? path : `/${path}`)
)

/** Headers of a request: credentials, Prefer, Content-Type (from the body), and extras. */
function headersOf (credentials: Record<string, string>, prefer: string | undefined, body: Body, extra: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { ...extra, ...credentials }
  if (prefer !== undefined) headers.prefer = prefer
  if (body.contentType !== undefined) headers['content-type'] = body.contentType
  return headers
}

const cloudflareRequestArb: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.oneof({ weight: 4, arbitrary: fc.constant('GET') }, { weight: 4, arbitrary: fc.constant('POST') }, { weight: 3, arbitrary: fc.constant('DELETE') }, { weight: 1, arbitrary: fc.constant('HEAD') }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
  path: cloudflarePathArb,
  query: queryArb,
  credentials: credentialsArb,
  prefer: preferArb,
  body: fc.oneof({ weight: 3, arbitrary: fc.constant<Body>({}) }, { weight: 2, arbitrary: bodyOf(createBodyArb) }),
  extra: extraHeadersArb
}).map(({ method, path, query, credentials, prefer, body, extra }) => printable({
  target: 'cloudflare', method, url: path + query, headers: headersOf(credentials, prefer, body, extra), ...(body.payload === undefined ? {} : { payload: body.payload })
}))

// ---- the video endpoints and the upload url ------------------------------------------------------

/** Dates of list queries and bodies: RFC 3339 or not, past, future, out of range. */
const dateArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('2026-12-02T00:00:00Z', '1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59Z', '2100-01-01T00:00:00+01:00', 'yesterday', '', '2026-13-45T99:99:99Z', 'NaN', '0'),
  fc.date({ min: new Date(0), max: new Date(4_000_000_000_000), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.string({ maxLength: 70 })
)
const flagArb = fc.constantFrom('true', 'false', '1', '0', 'yes', '', 'TRUE')
const listQueryArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      status: fc.oneof(fc.constantFrom('ready', 'queued,inprogress', 'error, ready', 'pendingupload,downloading', 'live-inprogress', 'READY', 'nope', '', ',,'), fc.string({ maxLength: 10 })),
      creator: fc.oneof(fc.constantFrom('creator-1', ''), fc.string({ maxLength: 70 })),
      search: fc.string({ maxLength: 12 }),
      start: dateArb,
      end: dateArb,
      after: dateArb,
      before: dateArb,
      asc: flagArb,
      include_counts: flagArb,
      limit: fc.constantFrom('1', '2', '1000', '1001', '0', '-1', 'abc', '1.5', '1e3'),
      id: fc.constantFrom(VIDEOS.ready, `${VIDEOS.ready},${VIDEOS.empty}`, 'x', '{video0}'),
      name: fc.constantFrom('clip', 'a,b', ''),
      video_name: fc.string({ maxLength: 10 }),
      type: fc.constantFrom('vod', 'live', 'x'.repeat(11)),
      live_input_id: fc.constantFrom('x', 'l'.repeat(65))
    }, { requiredKeys: [] }).map((entries) => {
      const query = new URLSearchParams(entries).toString()
      return query === '' ? '' : `?${query}`
    })
  },
  { weight: 2, arbitrary: queryArb },
  { weight: 1, arbitrary: lazy('list-id-3301', () => `?id=${'a'.repeat(3301)}`) }
)

const metaArb = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }).map((name) => ({ name })) },
  { weight: 1, arbitrary: fc.constantFrom([], 'x', 1, null) },
  { weight: 1, arbitrary: fc.constant(null).map(() => ({ big: big('meta-17k', () => 'm'.repeat(17 * 1024)) })) }
)
const creatorArb = fc.oneof({ weight: 6, arbitrary: fc.string({ maxLength: 64 }) }, { weight: 1, arbitrary: fc.constantFrom('c'.repeat(65), 1, {}, [], null) })
const originsArb = maybe(fc.array(fc.constantFrom('example.com', '*.example.com', 'https://app.example', ''), { maxLength: 3 }), fc.constantFrom('example.com', [1], null, ['o'.repeat(256)], Array(101).fill('a.com')))
const sourceUrlArb = maybe(
  fc.constantFrom('https://example.com/a.mp4', 'http://127.0.0.1:9/x.mp4', `https://example.com/${'a'.repeat(200)}.mp4`, 'https://example.com/a.mp4?x=1#y'),
  fc.constantFrom('ftp://example.com/a.mp4', 'javascript:alert(1)', '', 'https://', 'http:// bad', 'file:///etc/passwd', 'x'.repeat(2049), 5, null, {})
)
const commonVideoFields = {
  meta: metaArb,
  creator: creatorArb,
  requireSignedURLs: maybe(fc.boolean(), fc.constantFrom('true', 1, null)),
  allowedOrigins: originsArb,
  thumbnailTimestampPct: maybe(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(-0.1, 1.1, '0.5', null)),
  scheduledDeletion: fc.oneof(dateArb, fc.constantFrom(null, 5))
}
const maxDurationArb = maybe(fc.constantFrom(1, 2, 60, 36000), fc.constantFrom(0, 36001, 1.5, '60', null))
const editBodyArb = fc.record({
  ...commonVideoFields,
  maxDurationSeconds: maxDurationArb,
  uid: fc.constantFrom('{video0}', VIDEOS.ready, UNKNOWN_VIDEO, 'x', ''),
  uploadExpiry: fc.oneof(dateArb, fc.constant(null)),
  publicDetails: maybe(fc.constant({ title: 't' }), fc.constantFrom('x', [])),
  unknownField: fc.jsonValue({ maxDepth: 1 })
}, { requiredKeys: [] })
const copyBodyArb = fc.record({
  ...commonVideoFields,
  input: sourceUrlArb,
  url: sourceUrlArb,
  name: maybe(fc.string({ maxLength: 20 }), fc.constantFrom('n'.repeat(256), 1)),
  watermark: maybe(fc.constant({ uid: VIDEOS.ready }), fc.constantFrom('x', 1))
}, { requiredKeys: [] })
const directUploadBodyArb = fc.record({
  ...commonVideoFields,
  maxDurationSeconds: maxDurationArb,
  expiry: fc.oneof({ weight: 3, arbitrary: fc.constant('9999-12-31T23:59:59Z') }, { weight: 1, arbitrary: dateArb }),
  watermark: maybe(fc.constant({ uid: VIDEOS.ready }), fc.constantFrom('x', 1))
}, { requiredKeys: [] })

/** The accounts of the video endpoints: mostly the fixtures', one a run may declare, malformed ones. */
const videoAccountArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constant(ACCOUNT) },
  { weight: 3, arbitrary: fc.constantFrom(FRESH_ACCOUNT, OTHER_ACCOUNT) },
  { weight: 1, arbitrary: malformedIdArb }
)
/** The video of a video path: the one this run made last, a fixture's, one named like a static path, or noise. */
const videoUidArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('{video0}') },
  { weight: 8, arbitrary: videoArb },
  { weight: 1, arbitrary: fc.constantFrom('copy', 'direct_upload', 'keys', 'webhook', 'COPY', 'copy%00') }
)
const streamPrefixArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('/client/v4', '') }, { weight: 1, arbitrary: fc.constantFrom('/client/v4/', '/CLIENT/v4', '/client/v4/client/v4') })

/** Bodies a client that means well sends, so that runs reach past the checks to the changes. */
const jsonBody = (value: fc.Arbitrary<unknown>): fc.Arbitrary<Body> => value.map((v): Body => ({ payload: JSON.stringify(v), contentType: 'application/json' }))
const cleanEditArb = jsonBody(fc.record({ meta: fc.string({ maxLength: 12 }).map((name) => ({ name })), creator: fc.constantFrom('creator-1', 'creator-2'), requireSignedURLs: fc.boolean(), thumbnailTimestampPct: fc.constantFrom(0, 0.5, 1) }, { requiredKeys: [] }))
const cleanCopyArb = jsonBody(fc.record({ url: fc.constantFrom('https://example.com/a.mp4', 'http://127.0.0.1:9/b.mp4'), meta: fc.constant({ name: 'clip' }), creator: fc.constant('creator-1') }, { requiredKeys: ['url'] }))
const cleanDirectUploadArb = jsonBody(fc.record({ maxDurationSeconds: fc.constantFrom(1, 60, 36000), meta: fc.constant({ name: 'upload' }) }, { requiredKeys: ['maxDurationSeconds'] }))

/** One request to the video endpoints: list, details, edit, delete, copy, direct upload; well-meant or hostile. */
const videoRequestArb: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ method: methodArb('GET', 'GET', 'HEAD', 'POST'), query: listQueryArb, path: fc.constant(''), body: fc.constant<Body>({}), clean: fc.constant<Body>({}) }) },
  { weight: 6, arbitrary: fc.record({ method: methodArb('GET', 'GET', 'POST', 'POST', 'DELETE', 'HEAD'), query: fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryArb }), path: videoUidArb.map((uid) => `/${uid}`), body: bodyOf(editBodyArb), clean: cleanEditArb }) },
  { weight: 4, arbitrary: fc.record({ method: methodArb('POST'), query: fc.constant(''), path: fc.constant('/copy'), body: bodyOf(copyBodyArb), clean: cleanCopyArb }) },
  { weight: 4, arbitrary: fc.record({ method: methodArb('POST'), query: fc.constant(''), path: fc.constant('/direct_upload'), body: bodyOf(directUploadBodyArb), clean: cleanDirectUploadArb }) }
).chain(({ method, query, path, body, clean }) => fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ prefix: fc.constantFrom('/client/v4', ''), account: fc.constantFrom(ACCOUNT, ACCOUNT, FRESH_ACCOUNT) }).map(({ prefix, account }) => printable({
      target: 'videos', method, url: `${prefix}/accounts/${account}/stream${path}`, headers: headersOf({ authorization: 'Bearer fuzz-token-123456' }, undefined, clean, {}), ...(clean.payload === undefined ? {} : { payload: clean.payload })
    }))
  },
  {
    weight: 3,
    arbitrary: fc.record({
      prefix: streamPrefixArb,
      account: videoAccountArb,
      credentials: credentialsArb,
      prefer: preferArb,
      creator: fc.oneof({ weight: 6, arbitrary: fc.constant<Record<string, string>>({}) }, { weight: 1, arbitrary: fc.constantFrom('creator-1', 'h'.repeat(65), '').map((value) => ({ 'upload-creator': value })) }),
      extra: extraHeadersArb
    }).map(({ prefix, account, credentials, prefer, creator, extra }) => printable({
      target: 'videos', method, url: `${prefix}/accounts/${account}/stream${path}${query}`, headers: { ...headersOf(credentials, prefer, body, extra), ...creator }, ...(body.payload === undefined ? {} : { payload: body.payload })
    }))
  }
))

const BOUNDARY = 'fuzzboundary'
const multipart = (content: string): string => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n${content}\r\n--${BOUNDARY}--\r\n`
const uploadBodyArb: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 64 }).map((content): Body => ({ payload: multipart(content), contentType: `multipart/form-data; boundary=${BOUNDARY}` })) },
  { weight: 1, arbitrary: fc.constantFrom<Body>({ payload: '', contentType: `multipart/form-data; boundary=${BOUNDARY}` }, { payload: 'no parts', contentType: 'multipart/form-data' }, { payload: multipart('x'), contentType: 'text/plain' }, { payload: '{}', contentType: 'application/json' }, {}) },
  { weight: 1, arbitrary: hostileBodyArb }
)
/** A request to a direct upload's one-time url (or its preflight). */
const uploadRequestArb: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constant('OPTIONS') }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
  prefix: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('/client/v4', '/upload') }),
  uid: fc.oneof({ weight: 6, arbitrary: fc.constant('{video0}') }, { weight: 2, arbitrary: videoArb }),
  body: uploadBodyArb,
  origin: fc.constantFrom<Record<string, string>>({}, { origin: 'https://app.example' }, { origin: 'https://app.example', 'access-control-request-method': 'POST' }),
  extra: extraHeadersArb
}).map(({ method, prefix, uid, body, origin, extra }) => printable({
  target: 'upload', method, url: `${prefix}/upload/${uid}`, headers: { ...headersOf({}, undefined, body, extra), ...origin }, ...(body.payload === undefined ? {} : { payload: body.payload })
}))

const mediaRequestArb: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.oneof({ weight: 6, arbitrary: fc.constant('GET') }, { weight: 2, arbitrary: fc.constant('HEAD') }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
  path: mediaPathArb,
  query: queryArb,
  media: mediaHeadersArb,
  credentials: fc.oneof(fc.constant({}), credentialsArb),
  extra: extraHeadersArb
}).map(({ method, path, query, media, credentials, extra }) => printable({ target: 'media', method, url: path + query, headers: { ...extra, ...credentials, ...media } }))

const adminRequestArb: fc.Arbitrary<FuzzRequest> = fc.oneof(...adminEndpoints.map((endpoint) => ({
  weight: endpoint.weight,
  arbitrary: fc.record({
    method: endpoint.method,
    path: endpoint.path,
    query: endpoint.query ?? fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryArb }),
    body: endpoint.body === undefined ? fc.oneof({ weight: 5, arbitrary: fc.constant<Body>({}) }, { weight: 1, arbitrary: bodyOf(looseObjectArb) }) : bodyOf(fc.oneof({ weight: 6, arbitrary: endpoint.body }, { weight: 1, arbitrary: looseObjectArb })),
    extra: extraHeadersArb
  }).map(({ method, path, query, body, extra }) => printable({
    target: 'admin', method, url: path + query, headers: headersOf({}, undefined, body, extra), ...(body.payload === undefined ? {} : { payload: body.payload })
  }))
})))

const otherRequestArb: fc.Arbitrary<FuzzRequest> = fc.record({
  method: methodArb('GET', 'HEAD', 'POST'),
  path: otherPathArb,
  query: queryArb,
  credentials: fc.oneof(fc.constant({}), credentialsArb),
  body: fc.oneof({ weight: 4, arbitrary: fc.constant<Body>({}) }, { weight: 1, arbitrary: bodyOf(looseObjectArb) }),
  extra: extraHeadersArb
}).map(({ method, path, query, credentials, body, extra }) => printable({
  target: 'other', method, url: path + query, headers: headersOf(credentials, undefined, body, extra), ...(body.payload === undefined ? {} : { payload: body.payload })
}))

/** One random request, anywhere. */
export const requestArb: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 9, arbitrary: cloudflareRequestArb },
  { weight: 6, arbitrary: videoRequestArb },
  { weight: 3, arbitrary: uploadRequestArb },
  { weight: 7, arbitrary: adminRequestArb },
  { weight: 3, arbitrary: mediaRequestArb },
  { weight: 1, arbitrary: otherRequestArb }
)

/** A run: a sequence of requests against one freshly reset app. */
export const scenarioArb = (maxSteps: number): fc.Arbitrary<FuzzRequest[]> => fc.array(requestArb, { minLength: 1, maxLength: maxSteps, size: 'max' })

// ---- the harness ------------------------------------------------------------------------------

/** An invariant the server broke; the message names the request and the answer. */
export class InvariantError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'InvariantError'
  }
}

/** What the runs did, for the script's summary. */
export class FuzzStats {
  runs = 0
  requests = 0
  byTarget: Record<string, number> = {}
  byStatus: Record<string, number> = {}
  contractChecks = 0
  forced5xx = 0
  lowering = 0
  faultsAdded = 0
  faultsNeutralised = 0
  /** The account's 404s checked to be for accounts the mock did not know. */
  unknownAccounts = 0
  /** Successful video changes, by action (add, read, edit, delete, upload). */
  videoChanges: Record<string, number> = {}

  count (target: string, status: number): void {
    this.requests++
    this.byTarget[target] = (this.byTarget[target] ?? 0) + 1
    this.byStatus[String(status)] = (this.byStatus[String(status)] ?? 0) + 1
  }
}

interface DownloadView { status: string, percentComplete: number, model: string, speed: number, step: number, failAt?: number, holdAt?: number }
interface LifecycleView { state: string, pctComplete: number, expiresAt?: number }
interface VideoView { id: string, account: string, downloads: Record<string, DownloadView | undefined>, onCreate: Record<string, unknown>, lifecycle?: LifecycleView }
type Snapshot = Map<string, VideoView>

interface VideoAnswer { uid: string, readyToStream: boolean, status: { state: string } }

interface Answer { statusCode: number, headers: Record<string, unknown>, body: string, rawPayload: Buffer }

const STATUSES = new Set(['inprogress', 'ready', 'error'])
const MEDIA_SIZES: Record<string, number> = {
  'default.mp4': statSync(join(BUNDLED_ASSETS, 'default.mp4')).size,
  'audio.m4a': statSync(join(BUNDLED_ASSETS, 'audio.m4a')).size
}
const CLOUDFLARE_PATH = /^(?:\/client\/v4)?\/accounts\/([^/]+)\/stream\/([^/]+)\/downloads(?:\/([^/]+))?$/
/** The video endpoints: the list (no second group), a video, copy or direct_upload (the second group). */
const VIDEO_PATH = /^(?:\/client\/v4)?\/accounts\/([^/]+)\/stream(?:\/([^/]+))?$/
const UPLOAD_URL = /^\/upload\/([^/]+)$/
const DASHBOARD_FILES = /^\/__mock\/(?:|dashboard\.js|dashboard\.css|progress\.js)$/
/** A video's states, in Cloudflare's order: a read or an upload never moves one back. */
const VIDEO_STATES = ['pendingupload', 'downloading', 'queued', 'inprogress', 'ready', 'error']
const MEDIA_PATH = /^\/([^/]+)\/downloads\/(default\.mp4|audio\.m4a)$/
/** Admin writes that never lower a download's progress: the clock, faults, journal, defaults, on-create. */
const FORWARD_ADMIN = /^\/__mock\/(clock(\/.*)?|faults(\/.*)?|journal|defaults|videos\/[^/]+\/on-create\/[^/]+)$/

/** The request path, segment by segment percent-decoded as the router decodes it. */
export function decodedPath (url: string): string {
  const path = url.split('?', 1)[0] as string
  return path.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment)
    } catch {
      return segment
    }
  }).join('/')
}

function isFailureEnvelope (body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'not a JSON object'
  const envelope = body as Record<string, unknown>
  const keys = Object.keys(envelope).sort().join(',')
  if (keys !== 'errors,messages,result,success') return `keys are ${keys}`
  if (envelope.result !== null) return 'result is not null'
  if (envelope.success !== false) return 'success is not false'
  if (!Array.isArray(envelope.messages) || envelope.messages.length !== 0) return 'messages is not []'
  const errors = envelope.errors
  if (!Array.isArray(errors) || errors.length === 0) return 'errors is empty'
  for (const error of errors as unknown[]) {
    const item = error as Record<string, unknown> | null
    if (item === null || typeof item !== 'object' || !Number.isInteger(item.code) || typeof item.message !== 'string' || item.message === '') return `bad error item ${JSON.stringify(error)}`
  }
  return undefined
}

function isSuccessEnvelope (body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'not a JSON object'
  const envelope = body as Record<string, unknown>
  if (!('result' in envelope)) return 'no result'
  if (envelope.success !== true) return 'success is not true'
  if (!Array.isArray(envelope.errors) || envelope.errors.length !== 0) return 'errors is not []'
  if (!Array.isArray(envelope.messages)) return 'messages is not an array'
  return undefined
}

function parseJson (text: string): { ok: true, value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** What a request may have changed in the store, given its answer. */
type Effect =
  | { kind: 'none' }
  | { kind: 'poll', video: string }
  | { kind: 'create', video: string, type: string }
  | { kind: 'delete', video: string, type: string }
  | { kind: 'forward' }
  | { kind: 'any' }
  /** A 2xx of a video endpoint or the upload url, on one video. */
  | { kind: 'video', action: 'add' | 'read' | 'edit' | 'delete' | 'upload', video: string, account?: string }

/**
 * Sends requests to one app and checks, after each, the invariants of the answer and of the
 * state (read through `GET /__mock/videos`). `begin` resets the app for a new run.
 */
export class FuzzHarness {
  readonly app: FastifyInstance
  readonly stats: FuzzStats
  private pristine = ''
  private pristineClock = ''
  private prototypeKeys = ''
  private previous: Snapshot = new Map()
  private faultIds: string[] = []
  private fault5xx = new Set<number>()
  private log: string[] = []
  /** Polls in a row that left a `polls` download where it was, by video/type; cleared by other changes. */
  private stalls = new Map<string, number>()
  /** The newest journal entry seen (the journal is cleared at each reset, its numbering goes on). */
  private lastSeq: number | undefined
  /** The videos this run's copies and direct uploads made, for `{video0}`. */
  private created: string[] = []
  /** The declared accounts (ids and settings) as a fresh app has them, and as the last request left them. */
  private pristineAccounts = ''
  private previousAccounts = ''

  constructor (app: FastifyInstance, stats = new FuzzStats()) {
    this.app = app
    this.stats = stats
  }

  /** Records the pristine state: call once, on a freshly built app. */
  async init (): Promise<void> {
    this.pristine = JSON.stringify([...(await this.snapshot()).values()])
    this.pristineClock = (await this.app.inject({ method: 'GET', url: '/__mock/clock' })).body
    this.prototypeKeys = Object.getOwnPropertyNames(Object.prototype).join(',')
    this.pristineAccounts = await this.accounts()
  }

  /** The declared accounts and their settings (not their video counts, which copies move), as JSON. */
  private async accounts (): Promise<string> {
    const res = await this.app.inject({ method: 'GET', url: '/__mock/accounts' })
    if (res.statusCode !== 200) throw this.fail(`GET /__mock/accounts answered ${res.statusCode}: ${clip(res.body, 400)}`)
    const accounts = (res.json() as { result: { accounts: Array<{ id: string, description?: string, progression?: unknown }> } }).result.accounts
    return JSON.stringify(accounts.map(({ id, description, progression }) => ({ id, description, progression })))
  }

  /** Starts a run: everything back to the fixtures, and checked to be so. */
  async begin (): Promise<void> {
    this.stats.runs++
    this.faultIds = []
    this.fault5xx = new Set()
    this.log = []
    this.stalls.clear()
    this.lastSeq = undefined
    this.created = []
    const reset = await this.app.inject({ method: 'POST', url: '/__mock/reset' })
    if (reset.statusCode !== 200) throw new InvariantError(`reset answered ${reset.statusCode}: ${reset.body}`)
    this.previous = await this.snapshot()
    if (JSON.stringify([...this.previous.values()]) !== this.pristine) throw new InvariantError('POST /__mock/reset did not bring the videos back to the fixtures')
    const clock = (await this.app.inject({ method: 'GET', url: '/__mock/clock' })).body
    if (clock !== this.pristineClock) throw new InvariantError(`POST /__mock/reset did not bring the clock back: ${clock}`)
    const faults = (await this.app.inject({ method: 'GET', url: '/__mock/faults' })).json() as { result: { rules: unknown[] } }
    if (faults.result.rules.length !== 0) throw new InvariantError('POST /__mock/reset left fault rules')
    this.previousAccounts = await this.accounts()
    if (this.previousAccounts !== this.pristineAccounts) throw new InvariantError(`POST /__mock/reset did not bring the declared accounts back: ${this.previousAccounts}`)
  }

  /** Ends a run: the server still answers, and no prototype was polluted. */
  async end (): Promise<void> {
    const health = await this.app.inject({ method: 'GET', url: '/healthz' })
    if (health.statusCode !== 200) throw this.fail(`GET /healthz answered ${health.statusCode} at the end of the run`)
    const keys = Object.getOwnPropertyNames(Object.prototype).join(',')
    if (keys !== this.prototypeKeys || ({} as Record<string, unknown>).polluted !== undefined) throw this.fail(`Object.prototype was polluted: ${keys}`)
  }

  private fail (message: string): InvariantError {
    return new InvariantError(`${message}\n  after:\n    ${this.log.join('\n    ')}`)
  }

  /** Sends one request and checks every invariant. */
  async step (generated: FuzzRequest): Promise<void> {
    const video0 = this.created.at(-1) ?? UNKNOWN_VIDEO
    const url = generated.url.replace(/\{fault(\d)\}/g, (_, index: string) => this.faultIds[Number(index)] ?? 'f0').replaceAll('{video0}', video0)
    const request: FuzzRequest = { ...generated, url }
    if (typeof generated.payload === 'string' && generated.payload.includes('{video0}')) request.payload = generated.payload.replaceAll('{video0}', video0)
    this.log.push(describeRequest(request))
    let answer: Answer
    try {
      answer = await this.app.inject({ method: request.method as 'GET', url, headers: request.headers, ...(request.payload === undefined ? {} : { payload: request.payload }) })
    } catch (error) {
      throw this.fail(`inject failed: ${(error as Error).message}`)
    }
    this.stats.count(request.target, answer.statusCode)
    const where = `${describeRequest(request)}\n  -> ${answer.statusCode} ${clip(answer.body, 400)}`
    const effect = this.checkAnswer(request, answer, where)
    this.checkAccountKnown(request, answer, where)
    if (effect.kind === 'any') this.stats.lowering++
    if (effect.kind === 'video') {
      this.stats.videoChanges[effect.action] = (this.stats.videoChanges[effect.action] ?? 0) + 1
      if (effect.action === 'add') this.created.push(effect.video)
    }
    await this.afterFaultAdded(request, answer)
    const next = await this.snapshot()
    this.checkState(next, where)
    this.checkTransition(this.previous, next, effect, where)
    this.checkAgreement(request, answer, next, where)
    this.previous = next
    // Declared accounts change only by an admin write (a PUT or DELETE of one, a reset, a fixture document).
    const accounts = await this.accounts()
    if (effect.kind !== 'any' && accounts !== this.previousAccounts) throw this.fail(`the declared accounts changed without an admin write: ${this.previousAccounts} -> ${accounts}: ${where}`)
    this.previousAccounts = accounts
    await this.checkJournal(request, answer, effect, where)
  }

  /**
   * The journal: at most one new entry per request, numbered next, with the method and status
   * answered; every successful Cloudflare answer has one.
   */
  private async checkJournal (request: FuzzRequest, answer: Answer, effect: Effect, where: string): Promise<void> {
    const res = await this.app.inject({ method: 'GET', url: '/__mock/journal?limit=1' })
    const entry = (res.json() as { result: { entries: Array<{ seq: number, method: string, status: number }> } }).result.entries[0]
    const fresh = entry !== undefined && (this.lastSeq === undefined || entry.seq > this.lastSeq)
    if (fresh) {
      if (this.lastSeq !== undefined && entry.seq !== this.lastSeq + 1) throw this.fail(`journal jumped from ${this.lastSeq} to ${entry.seq}: ${where}`)
      if (entry.method !== request.method || entry.status !== answer.statusCode) throw this.fail(`journal entry ${JSON.stringify(entry)} does not match the answer: ${where}`)
      this.lastSeq = entry.seq
    } else if (effect.kind === 'poll' || effect.kind === 'create' || effect.kind === 'delete' || (effect.kind === 'video' && effect.action !== 'upload')) {
      throw this.fail(`a successful Cloudflare answer is not in the journal: ${where}`)
    }
  }

  /** The videos as the admin API lists them. */
  private async snapshot (): Promise<Snapshot> {
    const res = await this.app.inject({ method: 'GET', url: '/__mock/videos' })
    if (res.statusCode !== 200) throw this.fail(`GET /__mock/videos answered ${res.statusCode}: ${clip(res.body, 400)}`)
    const videos = (res.json() as { result: { videos: VideoView[] } }).result.videos
    return new Map(videos.map((video) => [video.id, video]))
  }

  /** Tracks the fault rules a run added: ids for `{faultN}`, 5xx statuses, and rules that would hang inject. */
  private async afterFaultAdded (request: FuzzRequest, answer: Answer): Promise<void> {
    if (request.method !== 'POST' || decodedPath(request.url) !== '/__mock/faults' || answer.statusCode !== 200) return
    const rule = (JSON.parse(answer.body) as { result: { id: string, status?: number, drop?: boolean, latencyMs?: number } }).result
    this.stats.faultsAdded++
    this.faultIds.push(rule.id)
    if (rule.status !== undefined && rule.status >= 500) this.fault5xx.add(rule.status)
    if (rule.drop === true || (rule.latencyMs ?? 0) > 0) {
      // A dropped connection never answers inject; a delay only slows the run.
      this.stats.faultsNeutralised++
      await this.app.inject({ method: 'DELETE', url: `/__mock/faults/${rule.id}` })
    }
  }

  /** The invariants of one answer; returns what the request may have changed. */
  private checkAnswer (request: FuzzRequest, answer: Answer, where: string): Effect {
    const status = answer.statusCode
    const path = decodedPath(request.url)
    const cloudflare = CLOUDFLARE_PATH.exec(path)
    const videoPath = cloudflare === null ? VIDEO_PATH.exec(path) : null
    const head = request.method === 'HEAD'
    const contentType = String(answer.headers['content-type'] ?? '')
    if (status < 200 || status > 599) throw this.fail(`status out of range: ${where}`)
    if (answer.body.includes(process.cwd())) throw this.fail(`the answer shows a server path (a stack trace?): ${where}`)

    if (status >= 500) {
      const prefer = request.headers.prefer ?? ''
      const asked = (cloudflare !== null || videoPath !== null) && (prefer.includes(String(status)) || this.fault5xx.has(status))
      if (!asked) throw this.fail(`a 5xx nobody asked for: ${where}`)
      this.stats.forced5xx++
    }

    // Media: the file, a 304, or (below) a failure envelope.
    if (contentType.startsWith('video/mp4') || contentType.startsWith('audio/mp4')) {
      const media = MEDIA_PATH.exec(path)
      if (media === null || !(request.method === 'GET' || head)) throw this.fail(`media answered on a path that is not a download url: ${where}`)
      const size = MEDIA_SIZES[media[2] as string] as number
      if (status === 200 && !head && answer.rawPayload.length !== size) throw this.fail(`media of ${answer.rawPayload.length} bytes, expected ${size}: ${where}`)
      if (status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(answer.headers['content-range']))
        if (range === null || Number(range[3]) !== size || Number(range[2]) >= size || Number(range[1]) > Number(range[2])) throw this.fail(`bad Content-Range: ${where}`)
        if (!head && answer.rawPayload.length !== Number(range[2]) - Number(range[1]) + 1) throw this.fail(`206 body length does not match its Content-Range: ${where}`)
      }
      if (status === 304 && answer.rawPayload.length !== 0) throw this.fail(`304 with a body: ${where}`)
      if (![200, 206, 304].includes(status)) throw this.fail(`media with status ${status}: ${where}`)
      return { kind: 'none' }
    }
    if (status === 304) throw this.fail(`304 outside the media: ${where}`)
    // The dashboard (issue 14): /__mock redirects to its shell, whose static files are not JSON.
    if (status === 308) {
      if (path !== '/__mock' || answer.headers.location !== '/__mock/') throw this.fail(`a redirect that is not the dashboard's: ${where}`)
      return { kind: 'none' }
    }
    // By the path as a URL resolves it (`/__mock/accounts/..` is the shell).
    if (status === 200 && (request.method === 'GET' || head) && DASHBOARD_FILES.test(new URL(request.url, 'http://mock').pathname)) return { kind: 'none' }
    // A CORS preflight (the upload and media urls): no body.
    if (status === 204) {
      if (request.method !== 'OPTIONS' || answer.rawPayload.length !== 0 || answer.headers['access-control-allow-origin'] !== '*') throw this.fail(`204 that is not a CORS preflight: ${where}`)
      return { kind: 'none' }
    }

    // Everything else answers JSON (HEAD: no body).
    if (!contentType.startsWith('application/json')) throw this.fail(`content-type ${contentType}: ${where}`)
    // A HEAD answer has no body to check: it reads, it never changes anything.
    if (head && answer.body === '') return { kind: 'none' }
    const parsed = parseJson(answer.body)
    if (!parsed.ok) throw this.fail(`the answer is not JSON: ${where}`)
    const body = parsed.value

    if (status >= 300) {
      const problem = isFailureEnvelope(body)
      if (problem !== undefined) throw this.fail(`not a failure envelope (${problem}): ${where}`)
      if (status === 405 && (answer.headers.allow === undefined || String(answer.headers.allow).split(', ').includes(request.method))) throw this.fail(`405 without an Allow that leaves the method out: ${where}`)
      if (status === 429 && answer.headers['retry-after'] === undefined && answer.headers['retry-after-ms'] === undefined) throw this.fail(`429 without Retry-After: ${where}`)
      return { kind: 'none' }
    }

    // 2xx.
    if (path === '/healthz') {
      if ((body as { status?: unknown }).status !== 'ok') throw this.fail(`healthz: ${where}`)
      return { kind: 'none' }
    }
    if (path === '/__mock/openapi.json' || path === '/__mock/fixture-schema.json') return { kind: 'none' }
    const problem = isSuccessEnvelope(body)
    if (problem !== undefined) throw this.fail(`2xx that is not a success envelope (${problem}): ${where}`)
    if (cloudflare !== null) {
      if (status !== 200) throw this.fail(`Cloudflare success with status ${status}: ${where}`)
      const problems = contractProblems(request.method, path, status, body)
      this.stats.contractChecks++
      if (problems.length > 0) throw this.fail(`does not match the contract (${problems.join('; ')}): ${where}`)
      const video = cloudflare[2] as string
      const type = cloudflare[3] ?? 'default'
      switch (request.method) {
        case 'GET': return { kind: 'poll', video }
        case 'POST': return { kind: 'create', video, type }
        case 'DELETE': return { kind: 'delete', video, type }
        default: throw this.fail(`2xx for ${request.method} on the downloads endpoint: ${where}`)
      }
    }
    if (videoPath !== null) return this.videoEffect(request, videoPath, status, body, where)
    const upload = UPLOAD_URL.exec(path)
    if (upload !== null) {
      const result = (body as { result: { uid?: unknown, bytes?: unknown } }).result
      if (request.method !== 'POST' || status !== 200 || result.uid !== upload[1] || typeof result.bytes !== 'number' || result.bytes <= 0) throw this.fail(`an upload answer that is not {uid, bytes}: ${where}`)
      if (answer.headers['access-control-allow-origin'] !== '*') throw this.fail(`an upload answer without Access-Control-Allow-Origin: ${where}`)
      return { kind: 'video', action: 'upload', video: upload[1] as string }
    }
    if (path === '/__mock' || path.startsWith('/__mock/')) {
      if (request.method === 'GET') return { kind: 'none' }
      return FORWARD_ADMIN.test(path) ? { kind: 'forward' } : { kind: 'any' }
    }
    throw this.fail(`2xx on a path that is neither the API, the admin API nor health: ${where}`)
  }

  /**
   * Accounts are first-class: the list, copy and direct upload answer the account's 404 for an
   * account neither declared nor holding a video (as the state stood before the request), and
   * never a 200 for one. Unless a Prefer header or a fault rule of the run may have forced it.
   */
  private checkAccountKnown (request: FuzzRequest, answer: Answer, where: string): void {
    if (request.target !== 'videos' || request.headers.prefer !== undefined || this.faultIds.length > 0) return
    const match = VIDEO_PATH.exec(decodedPath(request.url))
    const account = match?.[1] as string
    if (match === null || !['copy', 'direct_upload', undefined].includes(match[2]) || !/^[0-9a-f]{32}$/.test(account)) return
    const declared = (JSON.parse(this.previousAccounts) as Array<{ id: string }>).some((entry) => entry.id === account)
    const known = declared || [...this.previous.values()].some((video) => video.account === account)
    const refused = answer.statusCode === 404 && answer.body.includes('"Account not found"')
    if (known && refused) throw this.fail(`the account's 404 for an account the mock knows (${declared ? 'declared' : 'holding videos'}): ${where}`)
    if (!known && answer.statusCode === 200) throw this.fail(`a 200 for an account neither declared nor holding a video: ${where}`)
    if (refused) this.stats.unknownAccounts++
  }

  /** A 2xx of a video endpoint: checked against the videos contract; what it may have changed. */
  private videoEffect (request: FuzzRequest, match: RegExpExecArray, status: number, body: unknown, where: string): Effect {
    const path = decodedPath(request.url)
    if (status !== 200) throw this.fail(`video endpoint success with status ${status}: ${where}`)
    const problems = contractProblems(request.method, path, status, body)
    this.stats.contractChecks++
    if (problems.length > 0) throw this.fail(`does not match the videos contract (${problems.join('; ')}): ${where}`)
    const account = match[1] as string
    const segment = match[2]
    const result = (body as { result: { uid?: string } }).result
    if (segment === undefined) {
      if (request.method !== 'GET') throw this.fail(`2xx for ${request.method} on the video list: ${where}`)
      return { kind: 'none' }
    }
    // The signing keys and the webhook subscription (issue 13) change no video.
    if (segment === 'keys' || segment === 'webhook') return { kind: 'none' }
    if (segment === 'copy' || segment === 'direct_upload') {
      if (request.method !== 'POST' || typeof result.uid !== 'string') throw this.fail(`2xx for ${request.method} on ${segment}, or no uid: ${where}`)
      return { kind: 'video', action: 'add', video: result.uid, account }
    }
    switch (request.method) {
      case 'GET': return { kind: 'video', action: 'read', video: segment }
      case 'POST': return { kind: 'video', action: 'edit', video: segment }
      case 'DELETE': return { kind: 'video', action: 'delete', video: segment }
      default: throw this.fail(`2xx for ${request.method} on a video: ${where}`)
    }
  }

  /** What a 2xx of a video endpoint may change: the one video it names, and only as its action may. */
  private checkVideoEffect (before: Snapshot, after: Snapshot, effect: Effect & { kind: 'video' }, where: string): void {
    for (const id of new Set([...before.keys(), ...after.keys()])) {
      const a = before.get(id)
      const b = after.get(id)
      if (id !== effect.video) {
        if (!sameJson(a, b)) throw this.fail(`video ${id} changed by a request on video ${effect.video}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}: ${where}`)
        continue
      }
      const name = `video ${id} (${effect.action}): ${JSON.stringify(a)} -> ${JSON.stringify(b)}`
      if (effect.action === 'delete') {
        if (b !== undefined) throw this.fail(`${name}: a 200 delete left the video, ${where}`)
        continue
      }
      if (effect.action === 'add') {
        if (a !== undefined || b === undefined || b.account !== effect.account || b.lifecycle === undefined || Object.keys(b.downloads).length > 0) throw this.fail(`${name}: a copy or direct upload must add one new video to its account, with a lifecycle and no downloads, ${where}`)
        continue
      }
      if (a === undefined || b === undefined) throw this.fail(`${name}: appeared or vanished, ${where}`)
      if (a.account !== b.account || !sameJson(a.downloads, b.downloads) || !sameJson(a.onCreate, b.onCreate)) throw this.fail(`${name}: its account, downloads or settings changed, ${where}`)
      if (effect.action === 'edit') {
        if (!sameJson(a.lifecycle, b.lifecycle)) throw this.fail(`${name}: an edit moved the lifecycle, ${where}`)
        continue
      }
      const from = VIDEO_STATES.indexOf(a.lifecycle?.state ?? 'ready')
      const to = VIDEO_STATES.indexOf(b.lifecycle?.state ?? 'ready')
      if (effect.action === 'upload' && a.lifecycle?.state !== 'pendingupload') throw this.fail(`${name}: an upload accepted for a video not waiting for one, ${where}`)
      if (to < from || (from >= VIDEO_STATES.indexOf('ready') && !sameJson(a.lifecycle, b.lifecycle))) throw this.fail(`${name}: a read or an upload moved the video back, or a finished one, ${where}`)
    }
  }

  /** Each download, on its own: a percent in 0..100, `ready` at 100, `inprogress` below it; each video's lifecycle. */
  private checkState (snapshot: Snapshot, where: string): void {
    for (const video of snapshot.values()) {
      const life = video.lifecycle
      if (life !== undefined) {
        const name = `video ${video.id} (${JSON.stringify(life)})`
        if (!VIDEO_STATES.includes(life.state)) throw this.fail(`${name}: unknown state, ${where}`)
        if (!Number.isFinite(life.pctComplete) || life.pctComplete < 0 || life.pctComplete > 100) throw this.fail(`${name}: pctComplete out of 0..100, ${where}`)
        if (life.state === 'ready' && life.pctComplete !== 100) throw this.fail(`${name}: ready below 100, ${where}`)
        if (life.state !== 'ready' && Object.values(video.downloads).some((download) => download !== undefined)) throw this.fail(`${name}: a video that is not ready has downloads, ${where}`)
      }
      for (const [type, download] of Object.entries(video.downloads)) {
        if (download === undefined) continue
        const { status, percentComplete: percent } = download
        const name = `${video.id}/${type} (${JSON.stringify(download)})`
        if (!STATUSES.has(status)) throw this.fail(`${name}: unknown status, ${where}`)
        if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) throw this.fail(`${name}: percent out of 0..100, ${where}`)
        if (status === 'ready' && percent !== 100) throw this.fail(`${name}: ready below 100, ${where}`)
        if (status === 'inprogress' && percent >= 100) throw this.fail(`${name}: inprogress at 100, ${where}`)
        for (const point of [download.failAt, download.holdAt]) {
          if (point !== undefined && (point < 0 || point > 100)) throw this.fail(`${name}: fail or hold point out of 0..100, ${where}`)
        }
      }
    }
  }

  /** What may change between two snapshots, given what the request did. */
  private checkTransition (before: Snapshot, after: Snapshot, effect: Effect, where: string): void {
    if (effect.kind !== 'poll' && effect.kind !== 'create' && effect.kind !== 'none') this.stalls.clear()
    if (effect.kind === 'any') return
    if (effect.kind === 'video') {
      this.checkVideoEffect(before, after, effect, where)
      return
    }
    const ids = new Set([...before.keys(), ...after.keys()])
    for (const id of ids) {
      const a = before.get(id)
      const b = after.get(id)
      // A clock step releases the direct uploads whose reservation it took past.
      if (effect.kind === 'forward' && b === undefined && a?.lifecycle?.state === 'pendingupload' && a.lifecycle.expiresAt !== undefined) continue
      if (a === undefined || b === undefined || a.account !== b.account) throw this.fail(`video ${id} appeared, vanished or moved without an admin write: ${where}`)
      const touched = (effect.kind === 'poll' || effect.kind === 'create' || effect.kind === 'delete') && effect.video === id
      if (effect.kind !== 'forward' && !touched) {
        if (!sameJson(a, b)) throw this.fail(`video ${id} changed: ${JSON.stringify(a)} -> ${JSON.stringify(b)}: ${where}`)
        continue
      }
      if (effect.kind !== 'forward' && !sameJson(a.onCreate, b.onCreate)) throw this.fail(`video ${id} onCreate changed: ${where}`)
      for (const type of ['default', 'audio']) {
        const x = a.downloads[type]
        const y = b.downloads[type]
        const name = `${id}/${type}: ${JSON.stringify(x)} -> ${JSON.stringify(y)}`
        const acted = (effect.kind === 'create' || effect.kind === 'delete') && effect.type === type
        if (effect.kind === 'delete' && acted) {
          // Idempotent: a 200 delete leaves no download, whether there was one or not.
          if (y !== undefined) throw this.fail(`${name}: a 200 delete must leave no download, ${where}`)
          continue
        }
        if (effect.kind === 'create' && acted) {
          if (y === undefined) throw this.fail(`${name}: a 200 create left no download, ${where}`)
          // New, or one in error (answered as it stands, or started over); any other is read.
          if (x === undefined || x.status === 'error') continue
        }
        if ((x === undefined) !== (y === undefined)) throw this.fail(`${name}: a download appeared or vanished, ${where}`)
        if (x === undefined || y === undefined) continue
        // A create of an existing download is a read, as a GET is: polls downloads move.
        const reads = effect.kind === 'poll' || effect.kind === 'create'
        if (effect.kind === 'forward' || (reads && x.model === 'polls')) {
          if (y.percentComplete < x.percentComplete) throw this.fail(`${name}: percent moved backwards, ${where}`)
          if (x.status !== 'inprogress' && (y.status !== x.status || y.percentComplete !== x.percentComplete)) throw this.fail(`${name}: a finished download changed, ${where}`)
          if (reads && (x.model !== y.model || x.step !== y.step)) throw this.fail(`${name}: a poll changed the settings, ${where}`)
          // A poll is progress: an inprogress `polls` download that is not held moves on by its
          // step (shown to a tenth), so that a client polling long enough always sees it finish.
          const held = x.holdAt !== undefined && x.percentComplete === x.holdAt
          if (reads && x.status === 'inprogress' && !held && y.status === 'inprogress' && y.percentComplete === x.percentComplete) {
            const stalled = (this.stalls.get(`${id}/${type}`) ?? 0) + 1
            this.stalls.set(`${id}/${type}`, stalled)
            if (stalled >= Math.ceil(0.1 / x.step) + 2) throw this.fail(`${name}: ${stalled} polls in a row with step ${x.step} did not move it, ${where}`)
          } else if (reads) {
            this.stalls.delete(`${id}/${type}`)
          }
        } else if (!sameJson(x, y)) {
          throw this.fail(`${name}: changed, ${where}`)
        }
      }
    }
  }

  /** A 2xx GET or POST shows what the admin API shows, and a download url serves only ready media. */
  private checkAgreement (request: FuzzRequest, answer: Answer, snapshot: Snapshot, where: string): void {
    const path = decodedPath(request.url)
    const videoPath = VIDEO_PATH.exec(path)
    if (videoPath !== null && answer.statusCode === 200 && request.method !== 'HEAD') {
      const result = (JSON.parse(answer.body) as { result: VideoAnswer | VideoAnswer[] }).result
      for (const video of Array.isArray(result) ? result : [result]) {
        if (['direct_upload', 'keys', 'webhook'].includes(videoPath[2] as string) || request.method === 'DELETE') break
        const shown = snapshot.get(video.uid)
        if (shown === undefined || shown.account !== videoPath[1]) throw this.fail(`the API answered video ${video.uid}, which the admin API does not show in account ${videoPath[1] as string}: ${where}`)
        const state = shown.lifecycle?.state ?? 'ready'
        if (video.status.state !== state || video.readyToStream !== (state === 'ready')) throw this.fail(`the API answered ${video.uid} in ${video.status.state} (readyToStream ${String(video.readyToStream)}) but the admin API shows ${state}: ${where}`)
      }
    }
    const cloudflare = CLOUDFLARE_PATH.exec(path)
    if (cloudflare !== null && answer.statusCode === 200 && (request.method === 'GET' || request.method === 'POST')) {
      const result = (JSON.parse(answer.body) as { result: Record<string, { status: string, percentComplete: number }> }).result
      const video = snapshot.get(cloudflare[2] as string)
      const shown = Object.fromEntries(Object.entries(video?.downloads ?? {}).map(([type, d]) => [type, d === undefined ? d : { status: d.status, percentComplete: d.percentComplete }]))
      const answered = Object.fromEntries(Object.entries(result).map(([type, d]) => [type, { status: d.status, percentComplete: d.percentComplete }]))
      if (!sameJson(shown, answered)) throw this.fail(`the API answered ${JSON.stringify(answered)} but the admin API shows ${JSON.stringify(shown)}: ${where}`)
    }
    const media = MEDIA_PATH.exec(path)
    if (media !== null && (request.method === 'GET' || request.method === 'HEAD')) {
      const type = media[2] === 'default.mp4' ? 'default' : 'audio'
      const ready = snapshot.get(media[1] as string)?.downloads[type]?.status === 'ready'
      const served = [200, 206, 304].includes(answer.statusCode)
      if (served && !ready) throw this.fail(`media served for a download that is not ready: ${where}`)
      if (answer.statusCode === 404 && ready) throw this.fail(`404 for the media of a ready download: ${where}`)
    }
  }
}

/** The property: every run, from a reset app, keeps every invariant. */
export function fuzzProperty (harness: FuzzHarness, maxSteps: number): fc.IAsyncProperty<[FuzzRequest[]]> {
  return fc.asyncProperty(scenarioArb(maxSteps), async (requests) => {
    await harness.begin()
    for (const request of requests) await harness.step(request)
    await harness.end()
  })
}
