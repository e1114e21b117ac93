import t from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { api } from '../../helpers/api.js'
import { ACCOUNT, AUTH, OTHER_ACCOUNT, UNKNOWN_VIDEO, VIDEOS, build, downloadsPath } from '../../helpers/build.js'

async function admin (app: FastifyInstance, method: string, path: string, payload?: object): Promise<{ statusCode: number, body: any }> {
  const res = await app.inject({ method: method as InjectOptions['method'], url: `/__mock${path}`, ...(payload === undefined ? {} : { payload }) })
  return { statusCode: res.statusCode, body: res.json() }
}

const success = (result: unknown): object => ({ result, success: true, errors: [], messages: [] })
const failure = (code: number, message: string): object => ({ result: null, success: false, errors: [{ code, message }], messages: [] })
const NEW_ACCOUNT = 'dddddddddddddddddddddddddddddddd'

t.test('Prefer: code=503 forces the catalogue answer, after the id, method and credential checks', async (t) => {
  const app = await build(t)
  const forced = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, prefer: 'code=503' } })
  t.equal(forced.statusCode, 503)
  t.strictSame(forced.body, failure(10503, 'Service temporarily unavailable'))
  const anonymous = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { prefer: 'code=503' } })
  t.equal(anonymous.statusCode, 400)
  t.strictSame(anonymous.body, failure(9106, 'Missing X-Auth-Key, X-Auth-Email or Authorization headers'), 'no credentials: 9106 even with Prefer')
  const malformed = await api(t, app, { method: 'GET', url: downloadsPath('not-a-video'), headers: { ...AUTH, prefer: 'code=503' } })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.body.errors[0].code, 7003)
  const method = await api(t, app, { method: 'PUT', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, prefer: 'code=503' } })
  t.equal(method.statusCode, 405)

  // Cloudflare's rate-limit code 971 is below the contract schema's `minimum: 1000`, but it is the
  // contract's own 429 example; the contract check lets exactly that through.
  const limited = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, prefer: 'return=minimal, code=429' } })
  t.equal(limited.statusCode, 429)
  t.strictSame(limited.body, failure(971, 'Please wait and consider throttling your request speed'))
  t.equal(limited.headers['retry-after'], '1')
  t.equal(forced.headers['retry-after'], undefined, 'only a 429 asks to wait')

  const post = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: { ...AUTH, prefer: 'code=500' } })
  t.strictSame(post.body, failure(10001, 'Internal server error'))
  const del = await api(t, app, { method: 'DELETE', url: downloadsPath(VIDEOS.ready, ACCOUNT, 'audio'), headers: { ...AUTH, prefer: 'code=404' } })
  t.equal(del.statusCode, 404)
  t.strictSame((await admin(app, 'GET', `/videos/${VIDEOS.empty}`)).body.result.downloads, {}, 'a forced POST creates nothing')
  t.ok((await admin(app, 'GET', `/videos/${VIDEOS.ready}`)).body.result.downloads.audio, 'a forced DELETE deletes nothing')
  for (const prefer of ['code=200', 'code=abc', 'respond-async']) {
    const ignored = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, prefer } })
    t.equal(ignored.statusCode, 200, prefer)
  }

  const entries = (await admin(app, 'GET', `/journal?video=${VIDEOS.ready}`)).body.result.entries
  t.strictSame(entries.map((entry: { status: number, forced?: string, retryAfterMs?: number }) => [entry.status, entry.forced, entry.retryAfterMs]), [
    [503, 'prefer', undefined],
    [400, undefined, undefined],
    [405, undefined, undefined],
    [429, 'prefer', 1000],
    [404, 'prefer', undefined],
    [200, undefined, undefined],
    [200, undefined, undefined],
    [200, undefined, undefined]
  ], 'the journal marks the forced answers')
})

t.test('Prefer answers before the fault rules, so it uses none of their times', async (t) => {
  const app = await build(t)
  const rule = await admin(app, 'POST', '/faults', { status: 502, match: { video: VIDEOS.ready }, times: 1 })
  t.strictSame(rule.body, success({ id: 'f1', status: 502, match: { video: VIDEOS.ready }, times: 1, hits: 0, remaining: 1 }))
  t.equal((await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, prefer: 'code=503' } })).statusCode, 503)
  const faulted = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.strictSame(faulted.body, failure(10502, 'Bad gateway'))
  t.equal((await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })).statusCode, 200, 'the rule ran out')
  t.strictSame((await admin(app, 'GET', '/faults')).body, success({ rules: [] }))
  const journal = (await admin(app, 'GET', '/journal')).body.result.entries
  t.match(journal, [{ status: 503, forced: 'prefer' }, { status: 502, forced: 'fault', faultId: 'f1' }, { status: 200 }])

  t.strictSame((await admin(app, 'POST', '/faults', {})).body, failure(10400, 'body.status: a fault rule needs at least one of status, latencyMs or drop: true'))
  await admin(app, 'POST', '/faults', { status: 500, match: { account: OTHER_ACCOUNT } })
  await admin(app, 'POST', '/faults', { latencyMs: 1 })
  t.strictSame((await admin(app, 'GET', `/faults?account=${OTHER_ACCOUNT}`)).body.result.rules.map((r: { id: string }) => r.id), ['f2'])
  t.strictSame((await admin(app, 'DELETE', '/faults/f3')).body, success({ deleted: 'f3' }))
  t.strictSame((await admin(app, 'DELETE', '/faults/f3')).body, failure(10404, 'No fault rule f3'))
  t.strictSame((await admin(app, 'DELETE', '/faults')).body, success({ cleared: 1 }))
})

t.test('autoCreate on: an unknown well-formed video exists on first use, in any account', async (t) => {
  const app = await build(t, { config: { autoCreate: 'on' } })
  const first = await api(t, app, { method: 'GET', url: downloadsPath(UNKNOWN_VIDEO), headers: AUTH })
  t.equal(first.statusCode, 200)
  t.strictSame(first.body, success({}))
  const elsewhere = await api(t, app, { method: 'GET', url: downloadsPath('cccccccccccccccccccccccccccccccc', NEW_ACCOUNT), headers: AUTH })
  t.strictSame(elsewhere.body, success({}), 'an account never seen before')
  t.strictSame((await admin(app, 'GET', `/videos/${UNKNOWN_VIDEO}`)).body, success({ id: UNKNOWN_VIDEO, account: ACCOUNT, downloads: {}, onCreate: {} }))
  t.strictSame((await admin(app, 'GET', `/videos?account=${NEW_ACCOUNT}`)).body, success({ videos: [{ id: 'cccccccccccccccccccccccccccccccc', account: NEW_ACCOUNT, downloads: {}, onCreate: {} }], total: 1 }))
  t.equal((await admin(app, 'GET', '/videos')).body.result.videos.length, 8)

  const taken = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready, NEW_ACCOUNT), headers: AUTH })
  t.equal(taken.statusCode, 404)
  t.strictSame(taken.body, failure(10003, 'Video not found'), 'a video of another account is still a 404 there')
  const unseen = await api(t, app, { method: 'GET', url: downloadsPath(UNKNOWN_VIDEO, OTHER_ACCOUNT), headers: AUTH })
  t.strictSame(unseen.body, failure(10003, 'Account not found'))
  t.equal((await admin(app, 'GET', `/videos/${UNKNOWN_VIDEO}`)).body.result.account, ACCOUNT, 'still in its first account')

  const created = await api(t, app, { method: 'POST', url: downloadsPath('c0000000000000000000000000000001', NEW_ACCOUNT, 'audio'), headers: AUTH })
  t.match(created.body.result, { audio: { status: 'inprogress', percentComplete: 0 } }, 'a POST on an unknown video creates both')

  const off = await build(t)
  t.equal((await api(t, off, { method: 'GET', url: downloadsPath(UNKNOWN_VIDEO), headers: AUTH })).statusCode, 404, 'off by default')
})

t.test('the journal over HTTP: Cloudflare requests only, filtered by video and account, cleared per account', async (t) => {
  const app = await build(t, { config: { autoCreate: 'off', journalSize: 50 } })
  await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty, ACCOUNT, 'audio'), headers: { 'x-auth-email': 'dev@example.com', 'x-auth-key': 'k' } })
  await api(t, app, { method: 'GET', url: `/accounts/${OTHER_ACCOUNT}/stream/${VIDEOS.ready}/downloads`, headers: AUTH })
  // None of these is journaled: the admin API, the health check, the media.
  await admin(app, 'GET', '/clock')
  await admin(app, 'POST', '/clock/advance', { ms: 10 })
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4` })).statusCode, 200)

  const all = await admin(app, 'GET', '/journal')
  t.equal(all.statusCode, 200)
  t.equal(all.body.result.size, 3)
  t.equal(all.body.result.limit, 50)
  t.match(all.body.result.entries, [
    { seq: 1, method: 'GET', path: downloadsPath(VIDEOS.ready), status: 200, account: ACCOUNT, video: VIDEOS.ready, credentials: 'Bearer …oken', downloads: { default: 'ready', audio: 'ready' }, mockMs: 0 },
    { seq: 2, method: 'POST', path: downloadsPath(VIDEOS.empty, ACCOUNT, 'audio'), status: 200, account: ACCOUNT, video: VIDEOS.empty, type: 'audio', credentials: 'X-Auth-Email dev@example.com + X-Auth-Key ****' },
    { seq: 3, method: 'GET', status: 404, account: OTHER_ACCOUNT, video: VIDEOS.ready }
  ])
  t.strictSame((await admin(app, 'GET', `/journal?video=${VIDEOS.ready}`)).body.result.entries.map((entry: { seq: number }) => entry.seq), [1, 3])
  t.strictSame((await admin(app, 'GET', `/journal?account=${ACCOUNT}`)).body.result.entries.map((entry: { seq: number }) => entry.seq), [1, 2])
  t.strictSame((await admin(app, 'GET', `/journal?account=${ACCOUNT}&video=${VIDEOS.ready}`)).body.result.entries.map((entry: { seq: number }) => entry.seq), [1])
  t.strictSame((await admin(app, 'GET', '/journal?limit=1')).body.result.entries.map((entry: { seq: number }) => entry.seq), [3])
  t.strictSame((await admin(app, 'GET', '/journal?video=x')).body, failure(10400, 'querystring.video: must match pattern "^[0-9a-f]{32}$"'))

  t.strictSame((await admin(app, 'DELETE', `/journal?account=${OTHER_ACCOUNT}`)).body, success({ cleared: 1 }))
  t.strictSame((await admin(app, 'GET', '/journal')).body.result.entries.map((entry: { seq: number }) => entry.seq), [1, 2])
  t.strictSame((await admin(app, 'DELETE', `/journal?account=${OTHER_ACCOUNT}`)).body, success({ cleared: 0 }))
  t.strictSame((await admin(app, 'DELETE', '/journal')).body, success({ cleared: 2 }))
  await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.strictSame((await admin(app, 'GET', '/journal')).body.result.entries.map((entry: { seq: number, mockMs: number }) => [entry.seq, entry.mockMs]), [[4, 10]], 'numbers go on; mock time is recorded')
})

t.test('GET /__mock/polling/:video reports how a client polled', async (t) => {
  const app = await build(t)
  await admin(app, 'PUT', `/videos/${VIDEOS.empty}/downloads/default`, { model: 'polls', step: 50 })
  for (let i = 0; i < 3; i++) await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  const report = await admin(app, 'GET', `/polling/${VIDEOS.empty}`)
  t.equal(report.statusCode, 200)
  t.match(report.body.result, { video: VIDEOS.empty, polls: 3, firstReadyAtPoll: 2, pollsAfterReady: 1, retryAfter: [], honouredRetryAfter: null })
  t.equal(report.body.result.intervalsMs.length, 2)

  // A POST-poller's failure is counted apart from ready.
  await admin(app, 'PUT', `/videos/${VIDEOS.empty}/downloads/audio`, { model: 'polls', step: 50, failAt: 50 })
  for (let i = 0; i < 2; i++) await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty, ACCOUNT, 'audio'), headers: AUTH })
  const failed = await admin(app, 'GET', `/polling/${VIDEOS.empty}`)
  t.match(failed.body.result, {
    polls: 5,
    pollsByMethod: { GET: 3, POST: 2 },
    firstReadyAtPoll: 2,
    pollsAfterReady: 1,
    firstErrorAtPoll: 4,
    pollsAfterError: 0,
    downloads: { default: { firstReadyAtPoll: 2, pollsAfterReady: 3 }, audio: { firstErrorAtPoll: 4, pollsAfterError: 0 } }
  })
  t.strictSame((await admin(app, 'GET', '/polling/nope')).body, failure(10400, 'params.video: must match pattern "^[0-9a-f]{32}$"'))
})
