import t from 'tap'
import type { FastifyInstance } from 'fastify'
import type { JournalEntry } from '../../src/domain/journal.js'
import { AUTH, UNKNOWN_VIDEO, VIDEOS, build, downloadsPath } from '../helpers/build.js'
import { until } from '../helpers/wait.js'

/**
 * Every answer of the Cloudflare routes is journaled once, by the surface's onResponse hook, once
 * it is sent; a dropping fault, which sends no answer, journals its request with status 0. Every
 * request, the list route's included, is admitted by the same onRequest hook, with the fault
 * rules that act before the route's work.
 */

async function addRule (app: FastifyInstance, rule: object): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/__mock/faults', payload: rule })
  if (res.statusCode !== 200) throw new Error(`rule refused: ${res.body}`)
}

const fields = (entries: JournalEntry[]): unknown[] =>
  entries.map(({ method, status, type, forced, faultId, dropped, retryAfterMs }) => ({ method, status, type, forced, faultId, dropped, retryAfterMs }))

t.test('successes and failures of every route, each journaled once', async (t) => {
  const app = await build(t)
  const requests = [
    { method: 'GET', url: downloadsPath(VIDEOS.ready) },
    { method: 'HEAD', url: downloadsPath(VIDEOS.ready) },
    { method: 'POST', url: downloadsPath(VIDEOS.empty) },
    { method: 'POST', url: downloadsPath(VIDEOS.empty, undefined, 'audio') },
    { method: 'DELETE', url: downloadsPath(VIDEOS.empty, undefined, 'audio') },
    { method: 'DELETE', url: downloadsPath(UNKNOWN_VIDEO, undefined, 'audio') },
    { method: 'PUT', url: downloadsPath(VIDEOS.empty) },
    { method: 'POST', url: downloadsPath(VIDEOS.empty), payload: '{"bad', headers: { 'content-type': 'application/json' } }
  ] as const
  const statuses: number[] = []
  for (const request of requests) statuses.push((await app.inject({ ...request, headers: { ...AUTH, ...('headers' in request ? request.headers : {}) } })).statusCode)
  t.same(statuses, [200, 200, 200, 200, 200, 404, 405, 400])
  t.same(fields(app.mock.journal.list()), [
    { method: 'GET', status: 200, type: undefined, forced: undefined, faultId: undefined, dropped: undefined, retryAfterMs: undefined },
    { method: 'HEAD', status: 200, type: undefined, forced: undefined, faultId: undefined, dropped: undefined, retryAfterMs: undefined },
    { method: 'POST', status: 200, type: 'default', forced: undefined, faultId: undefined, dropped: undefined, retryAfterMs: undefined },
    { method: 'POST', status: 200, type: 'audio', forced: undefined, faultId: undefined, dropped: undefined, retryAfterMs: undefined },
    { method: 'DELETE', status: 200, type: 'audio', forced: undefined, faultId: undefined, dropped: undefined, retryAfterMs: undefined },
    { method: 'DELETE', status: 404, type: 'audio', forced: undefined, faultId: undefined, dropped: undefined, retryAfterMs: undefined },
    { method: 'PUT', status: 405, type: undefined, forced: undefined, faultId: undefined, dropped: undefined, retryAfterMs: undefined },
    { method: 'POST', status: 400, type: 'default', forced: undefined, faultId: undefined, dropped: undefined, retryAfterMs: undefined }
  ])
})

t.test('an answer whose serialization fails is journaled once, with the status sent', async (t) => {
  const app = await build(t)
  // A state the response schema refuses: the route's answer cannot be serialized.
  app.mock.store.states = () => ({ default: { status: 'inprogress', percentComplete: 10 }, audio: { status: 'bogus' as 'ready', percentComplete: 10 } })
  const res = await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(res.statusCode, 500)
  t.same(res.json().errors, [{ code: 10001, message: 'Internal server error' }])
  t.match(fields(app.mock.journal.list()), [{ method: 'GET', status: 500 }])
  t.equal(app.mock.journal.size, 1)
})

t.test('fault rules on the routes that take a body: a delay, then the route; a forced failure', async (t) => {
  const app = await build(t)
  await addRule(app, { match: { method: 'POST' }, latencyMs: 40, times: 1 })
  await addRule(app, { match: { method: 'DELETE' }, status: 503, retryAfter: 2, times: 1 })
  const started = performance.now()
  const created = await app.inject({ method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.equal(created.statusCode, 200)
  // A lower bound only: a timer never fires early (by under 1 ms of rounding), however busy the machine.
  t.ok(performance.now() - started >= 39, 'the POST waited')
  t.equal(created.json().result.default.status, 'inprogress', 'then the route ran')
  const refused = await app.inject({ method: 'DELETE', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.equal(refused.statusCode, 503)
  t.equal(refused.headers['retry-after'], '2')
  t.match(fields(app.mock.journal.list()), [
    { method: 'POST', status: 200, forced: undefined, faultId: 'f1' },
    { method: 'DELETE', status: 503, forced: 'fault', faultId: 'f2', retryAfterMs: 2000 }
  ])
  t.equal((await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.empty), headers: AUTH })).json().result.default.status, 'inprogress', 'the refused DELETE removed nothing')
})

t.test('fault rules on the list route: a delay, a forced failure, Prefer', async (t) => {
  const app = await build(t)
  await addRule(app, { match: { method: 'GET' }, latencyMs: 40, times: 1 })
  await addRule(app, { match: { method: 'GET' }, status: 429, retryAfterMs: 250, times: 1 })
  const started = performance.now()
  const delayed = await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(delayed.statusCode, 200)
  t.ok(performance.now() - started >= 39, 'the GET waited')
  t.equal(delayed.json().result.default.status, 'ready')
  const limited = await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(limited.statusCode, 429)
  const preferred = await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, prefer: 'code=500' } })
  t.equal(preferred.statusCode, 500)
  t.match(fields(app.mock.journal.list()), [
    { method: 'GET', status: 200, forced: undefined, faultId: 'f1' },
    { method: 'GET', status: 429, forced: 'fault', faultId: 'f2', retryAfterMs: 250 },
    { method: 'GET', status: 500, forced: 'prefer' }
  ])
  t.match(app.mock.journal.list()[0], { downloads: { default: 'ready', audio: 'ready' } }, 'the delayed answer shows what it listed')
})

t.test('over a socket: a dropped GET is journaled with status 0; a client gone during a delay is not journaled', async (t) => {
  const app = await build(t)
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  await addRule(app, { match: { method: 'GET' }, drop: true, times: 1 })
  await t.rejects(fetch(`${base}${downloadsPath(VIDEOS.ready)}`, { headers: AUTH }), 'the client sees the connection drop')
  await addRule(app, { match: { method: 'GET' }, latencyMs: 100, times: 1 })
  const client = new AbortController()
  const leaving = fetch(`${base}${downloadsPath(VIDEOS.ready)}`, { headers: AUTH, signal: client.signal })
  // The request is in its delay once it has taken the rule (times: 1, so the book is empty again).
  await until(() => app.mock.faults.list().length === 0)
  client.abort()
  await t.rejects(leaving)
  // Past the end of the delay it had (timers fire in order): a route still waiting would have run.
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.equal((await fetch(`${base}${downloadsPath(VIDEOS.ready)}`, { headers: AUTH })).status, 200, 'the server keeps answering')
  t.match(fields(app.mock.journal.list()), [
    { method: 'GET', status: 0, forced: 'fault', faultId: 'f1', dropped: true },
    { method: 'GET', status: 200, forced: undefined, faultId: undefined }
  ])
})
