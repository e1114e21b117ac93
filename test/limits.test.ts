import t from 'tap'
import { MAX_FAULT_RULES } from '../src/app.js'
import { FIXTURE_BODY_LIMIT } from '../src/routes/admin/scenario.js'
import { api } from './helpers/api.js'
import { ACCOUNT, AUTH, VIDEOS, build, downloadsPath } from './helpers/build.js'

t.test('ids: anything but 32 lowercase hex characters is a routing error, however long', async (t) => {
  const app = await build(t)
  for (const id of ['a'.repeat(31), 'a'.repeat(33), 'a'.repeat(10_000), 'g'.repeat(32), '%2e%2e%2f'.repeat(4)]) {
    const res = await api(t, app, { method: 'GET', url: downloadsPath(id), headers: AUTH })
    t.equal(res.statusCode, 400, `${id.length} characters`)
    t.equal(res.body.errors[0].code, 7003)
  }
})

t.test('the admin API takes fixture documents up to 32 MiB; the Cloudflare surface 1 MiB', async (t) => {
  const app = await build(t)
  t.equal(FIXTURE_BODY_LIMIT, 32 * 1024 * 1024)
  const videos = Array.from({ length: 20_000 }, (_, i) => ({ id: i.toString(16).padStart(32, '0'), account: ACCOUNT, description: 'x'.repeat(40) }))
  const payload = JSON.stringify({ videos })
  t.ok(payload.length > 1024 * 1024, `${payload.length} bytes`)
  const loaded = await app.inject({ method: 'POST', url: '/__mock/fixtures', headers: { 'content-type': 'application/json' }, payload })
  t.equal(loaded.statusCode, 200)
  t.same(loaded.json().result, { loaded: 20_000, created: 20_000 })
  const tooLarge = await app.inject({ method: 'POST', url: '/__mock/fixtures', headers: { 'content-type': 'application/json' }, payload: `{"pad":"${'x'.repeat(FIXTURE_BODY_LIMIT)}"}` })
  t.equal(tooLarge.statusCode, 413)
  t.same(tooLarge.json().errors, [{ code: 10413, message: `Request body is larger than ${FIXTURE_BODY_LIMIT} bytes` }])
})

t.test('the journal keeps MOCK_JOURNAL_SIZE requests, the newest', async (t) => {
  const app = await build(t, { config: { journalSize: 3 } })
  for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  const journal = (await app.inject({ method: 'GET', url: '/__mock/journal' })).json().result
  t.same([journal.size, journal.limit, journal.entries.map((entry: { seq: number }) => entry.seq)], [3, 3, [3, 4, 5]])
})

t.test(`at most ${MAX_FAULT_RULES} fault rules`, async (t) => {
  const app = await build(t)
  for (let i = 0; i < MAX_FAULT_RULES; i++) {
    const res = await app.inject({ method: 'POST', url: '/__mock/faults', payload: { status: 503, match: { path: `/nothing-${i}` } } })
    t.equal(res.statusCode, 200)
  }
  const full = await app.inject({ method: 'POST', url: '/__mock/faults', payload: { status: 503 } })
  t.equal(full.statusCode, 409)
  t.equal(full.json().success, false)
})
