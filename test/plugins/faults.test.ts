import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import envelopePlugin from '../../src/plugins/envelope.js'
import faultsPlugin, { applyFault } from '../../src/plugins/faults.js'
import journalPlugin from '../../src/plugins/journal.js'
import { adminErrorHandler } from '../../src/routes/admin/errors.js'
import faultsAdminRoutes from '../../src/routes/admin/faults.js'
import { ok } from '../../src/schemas/envelope.js'
import type { MockNote } from '../../src/types.js'
import { until } from '../helpers/wait.js'

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353'
const OTHER_ACCOUNT = 'ffffffffffffffffffffffffffffffff'
const VIDEO = 'ea95132c15732412d22c1476fa83f27a'
const URL = `/accounts/${ACCOUNT}/videos/${VIDEO}`

interface TestApp {
  app: FastifyInstance
  /** Every log line the app wrote, parsed. */
  logs: Array<{ level: number, msg?: string }>
  /** The note of each request the test route saw, in order. */
  notes: Array<MockNote | undefined>
}

/**
 * An app shaped like the real one around the plugin: the envelope, the fault book, a route whose
 * onRequest consults the book as the Cloudflare routes do, and the admin routes.
 */
async function buildTestApp (t: { teardown: (fn: () => unknown) => void }, maxRules?: number): Promise<TestApp> {
  const logs: TestApp['logs'] = []
  const notes: TestApp['notes'] = []
  const app = Fastify({
    logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } },
    ajv: { customOptions: { removeAdditional: false, allErrors: true } }
  }).withTypeProvider<TypeBoxTypeProvider>()
  await app.register(envelopePlugin)
  await app.register(journalPlugin, { limit: 100, mockNow: () => 0 })
  await app.register(faultsPlugin, maxRules === undefined ? {} : { maxRules })
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const params = request.params as { account: string, video: string }
      // A request that already carries a note keeps it; the fault adds to it.
      if (request.headers['x-noted'] !== undefined) request.mockNote = { account: params.account }
      const fault = app.mock.faults.take({ method: request.method, path: request.url, account: params.account, video: params.video })
      if (fault !== undefined) await applyFault(fault.action, request, reply)
    })
    scope.addHook('onResponse', async (request) => { notes.push(request.mockNote) })
    scope.get('/accounts/:account/videos/:video', async () => ok('fine'))
    // An action built by hand, without errors: the catalogue's error for the status is used.
    scope.get('/bare-action', {
      onRequest: async (request, reply) => { await applyFault({ ruleId: 'x', status: 502, headers: {} }, request, reply) }
    }, async () => ok('unreachable'))
  })
  // Under the admin scope's error handler, as the admin plugin registers them.
  await app.register(async (admin) => {
    admin.setErrorHandler(adminErrorHandler)
    await admin.register(faultsAdminRoutes)
  }, { prefix: '/__mock' })
  t.teardown(() => app.close())
  await app.ready()
  return { app, logs, notes }
}

const addRule = async (app: FastifyInstance, rule: unknown): Promise<any> => {
  const res = await app.inject({ method: 'POST', url: '/__mock/faults', payload: rule as object })
  return { statusCode: res.statusCode, body: res.json() }
}

t.test('a 503 twice, then success', async (t) => {
  const { app, notes } = await buildTestApp(t)
  const added = await addRule(app, { match: { video: VIDEO }, status: 503, times: 2 })
  t.equal(added.statusCode, 200)
  t.same(added.body, { result: { id: 'f1', match: { video: VIDEO }, status: 503, times: 2, hits: 0, remaining: 2 }, success: true, errors: [], messages: [] })
  for (const left of [1, 0]) {
    const res = await app.inject({ method: 'GET', url: URL })
    t.equal(res.statusCode, 503)
    t.same(res.json(), { result: null, success: false, errors: [{ code: 10503, message: 'Service temporarily unavailable' }], messages: [] })
    const rules = (await app.inject({ method: 'GET', url: '/__mock/faults' })).json().result.rules
    t.same(rules.map((r: any) => r.remaining), left === 0 ? [] : [left], 'the rule runs out')
  }
  const third = await app.inject({ method: 'GET', url: URL })
  t.equal(third.statusCode, 200)
  t.same(third.json().result, 'fine')
  t.same(notes, [{ faultId: 'f1', forced: 'fault', errorCodes: [10503] }, { faultId: 'f1', forced: 'fault', errorCodes: [10503] }, undefined], 'the codes answered are noted, for the coverage report')
})

t.test('a 429 carries Retry-After: 1, or the retry headers the rule names', async (t) => {
  const { app } = await buildTestApp(t)
  await addRule(app, { status: 429, times: 1 })
  const bare = await app.inject({ method: 'GET', url: URL })
  t.equal(bare.statusCode, 429)
  t.equal(bare.headers['retry-after'], '1')
  t.equal(bare.headers['retry-after-ms'], undefined)
  t.same(bare.json().errors, [{ code: 971, message: 'Please wait and consider throttling your request speed' }])
  await addRule(app, { status: 429, retryAfterMs: 250, times: 1 })
  const ms = await app.inject({ method: 'GET', url: URL })
  t.equal(ms.headers['retry-after-ms'], '250')
  t.equal(ms.headers['retry-after'], undefined)
  await addRule(app, { status: 503, retryAfter: 3, error: { code: 1234, message: 'Custom outage' }, times: 1 })
  const custom = await app.inject({ method: 'GET', url: URL })
  t.equal(custom.statusCode, 503)
  t.equal(custom.headers['retry-after'], '3')
  t.same(custom.json().errors, [{ code: 1234, message: 'Custom outage' }])
  const bareAction = await app.inject({ method: 'GET', url: '/bare-action' })
  t.same([bareAction.statusCode, bareAction.json().errors], [502, [{ code: 10502, message: 'Bad gateway' }]])
})

t.test('latency only: the request waits, then succeeds; a note it already had is kept', async (t) => {
  const { app, notes } = await buildTestApp(t)
  await addRule(app, { latencyMs: 80, times: 1 })
  const started = performance.now()
  const res = await app.inject({ method: 'GET', url: URL, headers: { 'x-noted': '1' } })
  const elapsed = performance.now() - started
  t.equal(res.statusCode, 200)
  // A lower bound only: a timer never fires early (Node rounds by under 1 ms), however busy the machine.
  t.ok(elapsed >= 79, `waited ${elapsed.toFixed(1)} ms`)
  t.same(notes, [{ account: ACCOUNT, faultId: 'f1' }], 'a delay is noted, but the answer was not forced')
  await addRule(app, { latencyMs: 0, status: 500, times: 1 })
  t.equal((await app.inject({ method: 'GET', url: URL })).statusCode, 500, 'a zero latency does not wait')
})

t.test('drop: the connection is destroyed without an answer, and the server keeps answering', async (t) => {
  const { app, logs } = await buildTestApp(t)
  await addRule(app, { match: { method: 'GET' }, drop: true, latencyMs: 20, times: 1 })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  await t.rejects(fetch(`${base}${URL}`), 'the client sees a failed request, not an answer')
  const after = await fetch(`${base}${URL}`)
  t.equal(after.status, 200)
  t.same(((await after.json()) as { result: unknown }).result, 'fine')
  t.same(logs.filter((line) => line.level >= 40), [], 'no warning or error logged')
  t.same(app.mock.faults.list(), [])
})

t.test('a client that leaves during the delay: nothing more happens', async (t) => {
  const { app, logs, notes } = await buildTestApp(t)
  await addRule(app, { latencyMs: 100, status: 503, times: 1 })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const closed = new Promise((resolve) => { app.server.once('connection', (socket) => { socket.once('close', resolve) }) })
  const client = new AbortController()
  const leaving = fetch(`${base}${URL}`, { signal: client.signal })
  // The request is in its delay once it has taken the rule (times: 1, so the book is empty again).
  await until(() => app.mock.faults.list().length === 0)
  client.abort()
  await t.rejects(leaving)
  await closed
  // Past the end of the delay it had (timers fire in order): a route still waiting would have run.
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.same(notes, [], 'the route never answered')
  t.same(logs.filter((line) => line.level >= 40), [], 'no warning or error logged')
  t.equal((await fetch(`${base}${URL}`)).status, 200)
})

t.test('admin: validation errors name the field', async (t) => {
  const { app } = await buildTestApp(t)
  const cases: Array<[unknown, RegExp]> = [
    [{}, /^body\.status: a fault rule needs at least one of status, latencyMs or drop: true$/],
    [{ latencyMs: 10, retryAfter: 1 }, /^body\.retryAfter: retryAfter needs status/],
    [{ status: 700 }, /^body\.status: /],
    [{ status: 503, match: { account: 'nope' } }, /^body\.match\.account: /],
    [{ status: 503, colour: 'red' }, /^body\.colour: /],
    [{ status: 503, probability: 2 }, /^body\.probability: /]
  ]
  for (const [rule, message] of cases) {
    const res = await addRule(app, rule)
    t.equal(res.statusCode, 400, JSON.stringify(rule))
    t.equal(res.body.success, false)
    t.match(res.body.errors[0].message, message, JSON.stringify(rule))
  }
  const query = await app.inject({ method: 'GET', url: '/__mock/faults?account=bad' })
  t.equal(query.statusCode, 400)
  t.match(query.json().errors[0].message, /^querystring\.account: /)
})

t.test('admin: list, clear per account, delete by id, 404 for an unknown id', async (t) => {
  const { app } = await buildTestApp(t)
  await addRule(app, { match: { account: ACCOUNT }, status: 500 })
  await addRule(app, { match: { account: OTHER_ACCOUNT }, status: 500 })
  await addRule(app, { status: 500 })
  const listed = await app.inject({ method: 'GET', url: `/__mock/faults?account=${ACCOUNT}` })
  t.same(listed.json(), { result: { rules: [{ id: 'f1', match: { account: ACCOUNT }, status: 500, hits: 0, remaining: null }] }, success: true, errors: [], messages: [] })
  const deleted = await app.inject({ method: 'DELETE', url: '/__mock/faults/f1' })
  t.same([deleted.statusCode, deleted.json().result], [200, { deleted: 'f1' }])
  const again = await app.inject({ method: 'DELETE', url: '/__mock/faults/f1' })
  t.equal(again.statusCode, 404)
  t.same(again.json(), { result: null, success: false, errors: [{ code: 10404, message: 'No fault rule f1' }], messages: [] })
  const cleared = await app.inject({ method: 'DELETE', url: `/__mock/faults?account=${OTHER_ACCOUNT}` })
  t.same(cleared.json().result, { cleared: 1 })
  const all = await app.inject({ method: 'DELETE', url: '/__mock/faults' })
  t.same(all.json().result, { cleared: 1 })
  t.same((await app.inject({ method: 'GET', url: '/__mock/faults' })).json().result, { rules: [] })
})

t.test('admin: a full book answers 409', async (t) => {
  const { app } = await buildTestApp(t, 1)
  t.equal((await addRule(app, { status: 500 })).statusCode, 200)
  const full = await addRule(app, { status: 500 })
  t.equal(full.statusCode, 409)
  t.same(full.body.errors, [{ code: 10409, message: 'the fault book is full (1 rules); delete some first' }])
})
