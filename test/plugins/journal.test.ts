import t from 'tap'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { Journal, type JournalEntry } from '../../src/domain/journal.js'
import type { DownloadStatus } from '../../src/domain/progress.js'
import envelopePlugin from '../../src/plugins/envelope.js'
import journalPlugin, { recordRequest } from '../../src/plugins/journal.js'
import { addMockPart } from '../../src/plugins/mock-parts.js'
import journalAdminRoutes from '../../src/routes/admin/journal.js'
import { ok } from '../../src/schemas/envelope.js'

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
const V = 'cccccccccccccccccccccccccccccccc'
const W = 'dddddddddddddddddddddddddddddddd'
const AUTH = { authorization: 'Bearer test-token-1234' }

interface TapLike { teardown: (fn: () => unknown) => void }

/** What the test route answers, from its query string. */
interface RouteQuery { code?: string, ra?: string, ram?: string, state?: DownloadStatus, fault?: string, type?: 'default' | 'audio' }

/**
 * An app with the journal and its admin routes, and stand-ins for the Cloudflare routes: they
 * set `request.mockNote` and journal their answers in an onResponse hook, as the real ones do. Mock time is 42 ms for
 * account A, 777 for others.
 */
async function build (t: TapLike, limit = 100): Promise<FastifyInstance> {
  const app = Fastify({ ajv: { customOptions: { removeAdditional: false, allErrors: true } } })
  await app.register(envelopePlugin)
  await app.register(journalPlugin, { limit, mockNow: (account) => account === A ? 42 : 777 })

  const noteOf = async (request: FastifyRequest): Promise<void> => {
    const { account, video } = request.params as { account: string, video: string }
    const query = request.query as RouteQuery
    request.mockNote = { account, video }
    if (query.type !== undefined) request.mockNote.type = query.type
    if (query.fault !== undefined) Object.assign(request.mockNote, { forced: 'fault', faultId: query.fault })
  }
  app.route({
    method: ['GET', 'POST'],
    url: '/cf/:account/:video',
    onRequest: noteOf,
    handler: async (request, reply) => {
      const query = request.query as RouteQuery
      const code = Number(query.code ?? 200)
      const headers: Record<string, string> = {}
      if (query.ra !== undefined) headers['retry-after'] = query.ra
      if (query.ram !== undefined) headers['retry-after-ms'] = query.ram
      const note = request.mockNote
      if (note !== undefined && request.method === 'GET' && code < 300) note.downloads = { default: query.state ?? 'inprogress' }
      return await reply.code(code).headers(headers).send(ok({}))
    },
    // As the Cloudflare surface journals its answers: once sent.
    onResponse: (request, reply, done) => {
      recordRequest(app, request, reply.statusCode, reply)
      done()
    }
  })
  // A fault that really drops the connection.
  app.get('/drop/:account/:video', { onRequest: noteOf }, async (request, reply) => {
    recordRequest(app, request, 0)
    reply.hijack()
    request.raw.socket.destroy()
  })
  // Code that records a request with no note at all.
  app.get('/unnoted', async (request, reply) => {
    recordRequest(app, request, 503, reply.header('retry-after', '1'))
    return ok({})
  })
  // The admin route groups take the prefix of the scope they are registered in (as in the admin API).
  await app.register(async (admin) => { await admin.register(journalAdminRoutes) }, { prefix: '/__mock' })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

async function entriesOf (app: FastifyInstance, query = ''): Promise<JournalEntry[]> {
  const res = await app.inject({ method: 'GET', url: `/__mock/journal${query}` })
  return res.json().result.entries
}

t.test('records each noted request once, with the note, status, mock time and redacted credentials', async (t) => {
  const app = await build(t)
  const before = Date.now()
  await app.inject({ method: 'GET', url: `/cf/${A}/${V}?state=ready`, headers: AUTH })
  await app.inject({ method: 'POST', url: `/cf/${B}/${W}?type=audio&fault=rule-1&code=503&ra=2`, headers: { 'x-auth-email': 'dev@example.com', 'x-auth-key': 'k3y' } })
  await app.inject({ method: 'GET', url: `/cf/${A}/${V}?code=429&ram=250`, headers: { authorization: 'Bearer short' } })
  await app.inject({ method: 'GET', url: `/cf/${A}/${V}?code=400`, headers: { authorization: 'Token abc' } })
  await app.inject({ method: 'GET', url: `/cf/${A}/${V}` })
  // Neither the admin API nor an unknown route has a note: not journaled.
  await app.inject({ method: 'GET', url: '/nowhere' })

  const res = await app.inject({ method: 'GET', url: '/__mock/journal' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same({ ...body, result: undefined }, { result: undefined, success: true, errors: [], messages: [] })
  t.equal(body.result.size, 5)
  t.equal(body.result.limit, 100)
  const [first, second, third, fourth, fifth] = body.result.entries as JournalEntry[]
  t.match(first, { seq: 1, mockMs: 42, method: 'GET', path: `/cf/${A}/${V}?state=ready`, status: 200, account: A, video: V, credentials: 'Bearer …1234', downloads: { default: 'ready' } })
  t.notOk('retryAfterMs' in (first as object), 'no key without a value')
  t.notOk('forced' in (first as object))
  t.ok((first as JournalEntry).wallMs >= before && (first as JournalEntry).wallMs <= Date.now())
  t.equal(Date.parse((first as JournalEntry).at), (first as JournalEntry).wallMs, 'at is the same instant')
  t.same({ ...second, at: undefined, wallMs: undefined }, {
    seq: 2,
    at: undefined,
    wallMs: undefined,
    mockMs: 777,
    method: 'POST',
    path: `/cf/${B}/${W}?type=audio&fault=rule-1&code=503&ra=2`,
    status: 503,
    account: B,
    video: W,
    type: 'audio',
    credentials: 'X-Auth-Email dev@example.com + X-Auth-Key ****',
    forced: 'fault',
    faultId: 'rule-1',
    retryAfterMs: 2000
  })
  t.match(third, { status: 429, credentials: 'Bearer ****', retryAfterMs: 250 })
  t.notOk('downloads' in (third as object), 'a failed GET shows no downloads')
  t.match(fourth, { status: 400, credentials: 'Authorization ****' })
  t.match(fifth, { credentials: 'none' })
  t.notOk(JSON.stringify(body).includes('test-token'), 'no token in the journal')
  t.notOk(JSON.stringify(body).includes('k3y'), 'no key in the journal')
})

t.test('GET /journal filters by account and video and keeps the last N', async (t) => {
  const app = await build(t)
  for (const [account, video] of [[A, V], [B, W], [A, W], [A, V], [B, V]]) {
    await app.inject({ method: 'GET', url: `/cf/${account as string}/${video as string}`, headers: AUTH })
  }
  t.same((await entriesOf(app, `?account=${A}`)).map((e) => e.seq), [1, 3, 4])
  t.same((await entriesOf(app, `?video=${V}`)).map((e) => e.seq), [1, 4, 5])
  t.same((await entriesOf(app, `?account=${A}&video=${V}`)).map((e) => e.seq), [1, 4])
  t.same((await entriesOf(app, '?limit=2')).map((e) => e.seq), [4, 5])

  for (const bad of ['?video=NOT-HEX', '?limit=0', '?limit=10001', '?limit=1.5', '?colour=blue']) {
    const res = await app.inject({ method: 'GET', url: `/__mock/journal${bad}` })
    t.equal(res.statusCode, 400, bad)
    t.match(res.json(), { result: null, success: false, errors: [{ code: 10400 }] }, `${bad}: the failure envelope`)
  }
})

t.test('DELETE /journal clears one account or everything', async (t) => {
  const app = await build(t)
  for (const account of [A, B, A]) await app.inject({ method: 'GET', url: `/cf/${account}/${V}`, headers: AUTH })
  const one = await app.inject({ method: 'DELETE', url: `/__mock/journal?account=${A}` })
  t.same(one.json(), { result: { cleared: 2 }, success: true, errors: [], messages: [] })
  t.same((await entriesOf(app)).map((e) => e.account), [B])
  const all = await app.inject({ method: 'DELETE', url: '/__mock/journal' })
  t.equal(all.json().result.cleared, 1)
  t.same(await entriesOf(app), [])
  const bad = await app.inject({ method: 'DELETE', url: '/__mock/journal?account=x' })
  t.equal(bad.statusCode, 400)
})

t.test('the journal keeps only the newest entries', async (t) => {
  const app = await build(t, 3)
  for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: `/cf/${A}/${V}?i=${i}`, headers: AUTH })
  const res = await app.inject({ method: 'GET', url: '/__mock/journal' })
  t.same(res.json().result.entries.map((e: JournalEntry) => e.path), [2, 3, 4].map((i) => `/cf/${A}/${V}?i=${i}`))
  t.equal(res.json().result.size, 3)
  t.equal(res.json().result.limit, 3)
})

t.test('GET /polling/:video reports polls, readiness and Retry-After over HTTP', async (t) => {
  const app = await build(t)
  // Wall times are set by recording entries directly: no sleeping.
  const record = (wallMs: number, extra: { status?: number, retryAfterMs?: number, video?: string, downloads?: JournalEntry['downloads'] }): { seq: number } => ({
    seq: app.mock.journal.record({
      wallMs,
      mockMs: 0,
      method: 'GET',
      path: `/cf/${A}/${V}`,
      status: extra.status ?? 200,
      credentials: 'none',
      note: { account: A, video: extra.video ?? V, downloads: extra.downloads },
      retryAfterMs: extra.retryAfterMs
    })
  })
  const asked = record(1000, { status: 429, retryAfterMs: 2000 })
  record(3500, { downloads: { default: 'inprogress' } })
  const ignored = record(4000, { status: 503, retryAfterMs: 1000 })
  record(4200, { downloads: { default: 'ready' } })
  record(5200, { downloads: { default: 'ready' } })
  record(5300, { video: W, downloads: { default: 'ready' } })

  const res = await app.inject({ method: 'GET', url: `/__mock/polling/${V}` })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    result: {
      video: V,
      polls: 3,
      pollsByMethod: { GET: 3, POST: 0 },
      intervalsMs: [700, 1000],
      minIntervalMs: 700,
      meanIntervalMs: 850,
      firstReadyAtPoll: 2,
      pollsAfterReady: 1,
      firstErrorAtPoll: null,
      pollsAfterError: null,
      downloads: { default: { firstReadyAtPoll: 2, pollsAfterReady: 1, firstErrorAtPoll: null, pollsAfterError: null } },
      retryAfter: [
        { seq: asked.seq, status: 429, askedMs: 2000, waitedMs: 2500, honoured: true },
        { seq: ignored.seq, status: 503, askedMs: 1000, waitedMs: 200, honoured: false }
      ],
      honouredRetryAfter: false
    },
    success: true,
    errors: [],
    messages: []
  })

  const other = (await app.inject({ method: 'GET', url: `/__mock/polling/${W}` })).json().result
  t.match(other, { polls: 1, minIntervalMs: null, meanIntervalMs: null, firstReadyAtPoll: 1, pollsAfterReady: 0, retryAfter: [], honouredRetryAfter: null })

  // A Retry-After answered by a route, honoured by the (recorded) next request.
  app.mock.journal.clear()
  await app.inject({ method: 'GET', url: `/cf/${A}/${V}?code=429&ra=1`, headers: AUTH })
  const waited = ((await entriesOf(app))[0] as JournalEntry).wallMs + 1000
  record(waited, { downloads: { default: 'ready' } })
  const honoured = (await app.inject({ method: 'GET', url: `/__mock/polling/${V}` })).json().result
  t.match(honoured, { polls: 1, firstReadyAtPoll: 1, retryAfter: [{ askedMs: 1000, waitedMs: 1000, honoured: true }], honouredRetryAfter: true })

  const bad = await app.inject({ method: 'GET', url: '/__mock/polling/not-a-video' })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().success, false)
})

t.test('Retry-After is read from failures only', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'GET', url: `/cf/${A}/${V}?code=200&ra=5`, headers: AUTH })
  t.notOk('retryAfterMs' in (app.mock.journal.list()[0] as object))
})

t.test('a dropped request is recorded with status 0', async (t) => {
  const app = await build(t)
  // Over a real socket that the route destroys.
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  await t.rejects(fetch(`${address}/drop/${A}/${V}`, { headers: AUTH }), 'the client sees the connection drop')
  // Let anything late run before looking.
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.same(app.mock.journal.list().map((e) => [e.status, e.dropped]), [[0, true]])
})

t.test('recordRequest without a note, and without the plugin', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'GET', url: '/unnoted' })
  const [entry, ...rest] = app.mock.journal.list()
  t.same(rest, [])
  t.match(entry, { status: 503, mockMs: 777, path: '/unnoted', retryAfterMs: 1000 })
  t.notOk('account' in (entry as object))

  const bare = Fastify()
  addMockPart(bare, 'journal', new Journal(1))
  t.throws(() => recordRequest(bare, {} as FastifyRequest, 0), /journal plugin/)
  // Status 0 with no note: the request is marked dropped all the same.
  const request = { method: 'GET', url: '/x', originalUrl: '/x', headers: {} } as unknown as FastifyRequest
  const seq = recordRequest(app, request, 0)
  t.same(request.mockNote, { dropped: true }, 'marked dropped')
  t.equal(app.mock.journal.list().at(-1)?.seq, seq, 'and numbered')
})
