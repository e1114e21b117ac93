import t from 'tap'
import { api } from '../../helpers/api.js'
import { ACCOUNT, AUTH, OTHER_ACCOUNT, VIDEOS, build } from '../../helpers/build.js'
import type { FixtureDocument } from '../../../src/schemas/fixture.js'

// Accounts as first-class (issue 12): declared by fixtures or the admin API, with no video, and
// with the progression of the videos their clients create later.

const EMPTY = '0000000000000000000000000000acc1'
const FAILING = '0000000000000000000000000000acc2'
const UNDECLARED = '0000000000000000000000000000acc3'
const JSON_HEADERS = { ...AUTH, 'content-type': 'application/json' }
const stream = (account: string): string => `/client/v4/accounts/${account}/stream`

const FIXTURES: FixtureDocument = {
  accounts: [
    { id: EMPTY, description: 'no videos yet' },
    { id: FAILING, progression: { failAt: 'downloading', errorReasonCode: 'ERR_NON_VIDEO', downloadingMs: 500 } }
  ],
  videos: [{ id: VIDEOS.ready, account: ACCOUNT }]
}

async function advance (app: Awaited<ReturnType<typeof build>>, ms: number): Promise<void> {
  const answer = await app.inject({ method: 'POST', url: '/__mock/clock/advance', payload: { ms } })
  if (answer.statusCode !== 200) throw new Error(answer.body)
}

t.test('a fixture account with no videos: the list is empty, copy and direct upload work, unknown accounts are 404', async (t) => {
  const app = await build(t, { fixtures: FIXTURES })
  const list = await api(t, app, { method: 'GET', url: `${stream(EMPTY)}?include_counts=true`, headers: AUTH })
  t.equal(list.statusCode, 200)
  t.same([list.body.result, list.body.total, list.body.range], [[], 0, 0])

  const copy = await api(t, app, { method: 'POST', url: `${stream(EMPTY)}/copy`, headers: JSON_HEADERS, payload: { url: 'https://example.com/a.mp4' } })
  t.equal(copy.statusCode, 200)
  t.equal(copy.body.result.status.state, 'downloading')
  // Without settings, a created video takes the defaults: ready 13 s later.
  await advance(app, 13_000)
  const ready = await api(t, app, { method: 'GET', url: `${stream(EMPTY)}/${copy.body.result.uid as string}`, headers: AUTH })
  t.equal(ready.body.result.status.state, 'ready')

  const upload = await api(t, app, { method: 'POST', url: `${stream(EMPTY)}/direct_upload`, headers: JSON_HEADERS, payload: { maxDurationSeconds: 60 } })
  t.equal(upload.statusCode, 200)

  for (const [method, path, payload] of [['GET', '', undefined], ['POST', '/copy', { url: 'https://example.com/a.mp4' }], ['POST', '/direct_upload', { maxDurationSeconds: 60 }]] as const) {
    const unknown = await api(t, app, { method, url: `${stream(UNDECLARED)}${path}`, headers: JSON_HEADERS, ...(payload === undefined ? {} : { payload }) })
    t.same([unknown.statusCode, unknown.body.errors[0].code, unknown.body.errors[0].message], [404, 10003, 'Account not found'], `${method} ${path}`)
  }
})

t.test('videos created in an account follow its progression: fail point and error code', async (t) => {
  const app = await build(t, { fixtures: FIXTURES })
  const copy = await api(t, app, { method: 'POST', url: `${stream(FAILING)}/copy`, headers: JSON_HEADERS, payload: { input: 'https://example.com/b.mp4' } })
  const uid = copy.body.result.uid as string
  await advance(app, 499)
  t.equal((await api(t, app, { method: 'GET', url: `${stream(FAILING)}/${uid}`, headers: AUTH })).body.result.status.state, 'downloading')
  await advance(app, 1)
  const failed = await api(t, app, { method: 'GET', url: `${stream(FAILING)}/${uid}`, headers: AUTH })
  t.match(failed.body.result.status, { state: 'error', errorReasonCode: 'ERR_NON_VIDEO', errorReasonText: 'The upload is not a video.' })
  const view = (await app.inject({ method: 'GET', url: `/__mock/videos/${uid}` })).json().result
  t.match(view.lifecycle, { state: 'error', downloadingMs: 500, failAt: 'downloading', errorReasonCode: 'ERR_NON_VIDEO' })
})

t.test('the admin API declares, reads, changes and removes accounts', async (t) => {
  const app = await build(t, { fixtures: FIXTURES })
  const listed = (await app.inject({ method: 'GET', url: '/__mock/accounts' })).json().result.accounts
  t.same(listed.map((account: { id: string }) => account.id), [EMPTY, FAILING], 'the fixtures\' declared accounts')
  t.match(listed[0], { id: EMPTY, declared: true, videos: 0, description: 'no videos yet', videoDefaults: { model: 'time', downloadingMs: 2000, queuedMs: 1000, speed: 10, step: 25 } })

  // An account that only holds videos is known, not declared.
  t.match((await app.inject({ method: 'GET', url: `/__mock/accounts/${ACCOUNT}` })).json().result, { id: ACCOUNT, declared: false, videos: 1 })
  const unknown = await app.inject({ method: 'GET', url: `/__mock/accounts/${UNDECLARED}` })
  t.same([unknown.statusCode, unknown.json().errors[0].message], [404, `no account ${UNDECLARED}`])

  const put = await app.inject({ method: 'PUT', url: `/__mock/accounts/${UNDECLARED}`, payload: { progression: { model: 'immediate' } } })
  t.equal(put.statusCode, 200)
  t.match(put.json().result, { id: UNDECLARED, declared: true, videos: 0, progression: { model: 'immediate' }, videoDefaults: { model: 'immediate' } })
  const copy = await api(t, app, { method: 'POST', url: `${stream(UNDECLARED)}/copy`, headers: JSON_HEADERS, payload: { url: 'https://example.com/c.mp4' } })
  t.equal(copy.statusCode, 200)
  // Model immediate: at its end at once, read as ready.
  t.equal((await api(t, app, { method: 'GET', url: `${stream(UNDECLARED)}/${copy.body.result.uid as string}`, headers: AUTH })).body.result.status.state, 'ready')

  // Replaced whole; the video it holds keeps its progression.
  const replaced = await app.inject({ method: 'PUT', url: `/__mock/accounts/${UNDECLARED}`, payload: {} })
  t.match(replaced.json().result, { declared: true, videos: 1, videoDefaults: { model: 'time' } })
  t.notOk('progression' in replaced.json().result)

  // Removing a declaration: refused while it holds videos, then gone.
  const busy = await app.inject({ method: 'DELETE', url: `/__mock/accounts/${UNDECLARED}` })
  t.same([busy.statusCode, busy.json().errors[0].code], [409, 10409])
  t.match(busy.json().errors[0].message, /still holds videos \(1\): delete them first/)
  t.equal((await app.inject({ method: 'DELETE', url: `/__mock/videos/${copy.body.result.uid as string}` })).statusCode, 200)
  const deleted = await app.inject({ method: 'DELETE', url: `/__mock/accounts/${UNDECLARED}` })
  t.same([deleted.statusCode, deleted.json().result], [200, { deleted: UNDECLARED }])
  t.equal((await api(t, app, { method: 'GET', url: stream(UNDECLARED), headers: AUTH })).statusCode, 404, 'the account is unknown again')
  const again = await app.inject({ method: 'DELETE', url: `/__mock/accounts/${UNDECLARED}` })
  t.same([again.statusCode, again.json().errors[0].message], [404, `no declared account ${UNDECLARED}`])
  const holdsOnly = await app.inject({ method: 'DELETE', url: `/__mock/accounts/${ACCOUNT}` })
  t.equal(holdsOnly.statusCode, 404, 'an account that only holds videos has no declaration to remove')
})

t.test('bad input to the account routes: a clear envelope naming the field, nothing changed', async (t) => {
  const app = await build(t, { fixtures: FIXTURES })
  const cases: Array<[string, string, unknown, number, RegExp]> = [
    ['PUT', '/__mock/accounts/nope', {}, 400, /params\.account/],
    ['GET', `/__mock/accounts/${EMPTY.toUpperCase()}`, undefined, 400, /params\.account/],
    ['PUT', `/__mock/accounts/${EMPTY}`, { progression: { failAt: 'inprogress' } }, 400, /body\.progression\.failAt/],
    ['PUT', `/__mock/accounts/${EMPTY}`, { progression: { errorReasonCode: 'oops' } }, 400, /body\.progression\.errorReasonCode/],
    ['PUT', `/__mock/accounts/${EMPTY}`, { progression: { speed: 101 } }, 400, /body\.progression\.speed/],
    ['PUT', `/__mock/accounts/${EMPTY}`, { videos: [] }, 400, /body\.videos/],
    ['PUT', `/__mock/accounts/${EMPTY}`, [], 400, /body/],
    ['PUT', `/__mock/accounts/${EMPTY}`, { description: 'x'.repeat(1001) }, 400, /body\.description/]
  ]
  for (const [method, url, payload, status, message] of cases) {
    const answer = await app.inject({ method: method as 'PUT', url, ...(payload === undefined ? {} : { payload: payload as object }) })
    t.equal(answer.statusCode, status, `${method} ${url} ${JSON.stringify(payload)}`)
    t.same(Object.keys(answer.json()).sort(), ['errors', 'messages', 'result', 'success'])
    t.match(answer.json().errors[0].message, message)
  }
  const proto = await app.inject({ method: 'PUT', url: `/__mock/accounts/${EMPTY}`, headers: { 'content-type': 'application/json' }, payload: '{"progression":{"__proto__":{"model":"polls"}}}' })
  t.equal(proto.statusCode, 400)
  t.match(proto.json().errors[0].message, /__proto__: forbidden key/)
  t.match((await app.inject({ method: 'GET', url: `/__mock/accounts/${EMPTY}` })).json().result, { description: 'no videos yet', videoDefaults: { model: 'time' } }, 'unchanged')
})

t.test('declared accounts are bounded: 409 past the bound, fixtures past it do not load', async (t) => {
  const app = await build(t, { fixtures: FIXTURES, maxAccounts: 3 })
  t.equal((await app.inject({ method: 'PUT', url: `/__mock/accounts/${UNDECLARED}`, payload: {} })).statusCode, 200)
  t.equal((await app.inject({ method: 'PUT', url: `/__mock/accounts/${UNDECLARED}`, payload: {} })).statusCode, 200, 'replacing one adds none')
  const full = await app.inject({ method: 'PUT', url: `/__mock/accounts/${OTHER_ACCOUNT}`, payload: {} })
  t.same([full.statusCode, full.json().errors[0].code], [409, 10409])
  t.match(full.json().errors[0].message, /at most 3 accounts are declared/)
  const document = await app.inject({ method: 'POST', url: '/__mock/fixtures', payload: { accounts: [{ id: OTHER_ACCOUNT }], videos: [{ id: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeee01', account: OTHER_ACCOUNT }] } })
  t.equal(document.statusCode, 409, 'a document past the bound is refused whole')
  t.equal((await app.inject({ method: 'GET', url: '/__mock/videos/eeeeeeeeeeeeeeeeeeeeeeeeeeeeee01' })).statusCode, 404, 'its videos too')
  t.equal((await app.inject({ method: 'GET', url: `/__mock/accounts/${OTHER_ACCOUNT}` })).statusCode, 404)

  await t.rejects(build(t, { fixtures: FIXTURES, maxAccounts: 1 }), /fixtures\[0\]: \$\.accounts\[1\]: more than 1 accounts declared/)
})

t.test('fixture documents: accounts declared once across files; POST /__mock/fixtures declares them', async (t) => {
  await t.rejects(build(t, { fixtures: [FIXTURES, { accounts: [{ id: EMPTY }], videos: [] }] }), /fixtures\[1\]: \$\.accounts\[0\]\.id: duplicate account id 0{28}acc1 \(already declared in fixtures\[0\] \$\.accounts\[0\]\)/)
  await t.rejects(build(t, { fixtures: { accounts: [{ id: 'nope' }], videos: [] } as unknown as FixtureDocument }), /\$\.accounts\[0\]\.id/)
  const app = await build(t, { fixtures: FIXTURES })
  const loaded = await app.inject({ method: 'POST', url: '/__mock/fixtures', payload: { accounts: [{ id: UNDECLARED, progression: { model: 'manual' } }, { id: EMPTY }], videos: [] } })
  t.same([loaded.statusCode, loaded.json().result], [200, { loaded: 0, created: 0 }])
  t.match((await app.inject({ method: 'GET', url: `/__mock/accounts/${UNDECLARED}` })).json().result, { declared: true, progression: { model: 'manual' } })
  t.notOk('description' in (await app.inject({ method: 'GET', url: `/__mock/accounts/${EMPTY}` })).json().result, 'settings replaced whole')
  const twice = await app.inject({ method: 'POST', url: '/__mock/fixtures', payload: { accounts: [{ id: OTHER_ACCOUNT }, { id: OTHER_ACCOUNT }], videos: [] } })
  t.equal(twice.statusCode, 400)
  t.match(twice.json().errors[0].message, /body: \$\.accounts\[1\]\.id: duplicate account id/)
})

t.test('reset: declared accounts go back to the fixtures; those declared over the admin API go away', async (t) => {
  const app = await build(t, { fixtures: FIXTURES })
  await app.inject({ method: 'PUT', url: `/__mock/accounts/${UNDECLARED}`, payload: {} })
  await app.inject({ method: 'PUT', url: `/__mock/accounts/${EMPTY}`, payload: { progression: { model: 'polls' } } })
  await app.inject({ method: 'DELETE', url: `/__mock/accounts/${FAILING}` })

  // One account: only it goes back.
  t.equal((await app.inject({ method: 'POST', url: '/__mock/reset', payload: { account: EMPTY } })).statusCode, 200)
  t.match((await app.inject({ method: 'GET', url: `/__mock/accounts/${EMPTY}` })).json().result, { description: 'no videos yet', videoDefaults: { model: 'time' } })
  t.equal((await app.inject({ method: 'GET', url: `/__mock/accounts/${UNDECLARED}` })).statusCode, 200, 'another account keeps its declaration')
  t.equal((await app.inject({ method: 'POST', url: '/__mock/reset', payload: { account: UNDECLARED } })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: `/__mock/accounts/${UNDECLARED}` })).statusCode, 404, 'an account declared over the admin API goes away with its reset')

  // Everything.
  await app.inject({ method: 'PUT', url: `/__mock/accounts/${UNDECLARED}`, payload: {} })
  t.equal((await app.inject({ method: 'POST', url: '/__mock/reset' })).statusCode, 200)
  const ids = (await app.inject({ method: 'GET', url: '/__mock/accounts' })).json().result.accounts.map((account: { id: string }) => account.id)
  t.same(ids, [EMPTY, FAILING])
})

t.test('MOCK_AUTO_CREATE=on: every account exists; a copy brings one into being with the defaults', async (t) => {
  const app = await build(t, { fixtures: FIXTURES, config: { autoCreate: 'on' } })
  const list = await api(t, app, { method: 'GET', url: stream(UNDECLARED), headers: AUTH })
  t.same([list.statusCode, list.body.result], [200, []])
  const copy = await api(t, app, { method: 'POST', url: `${stream(UNDECLARED)}/copy`, headers: JSON_HEADERS, payload: { url: 'https://example.com/d.mp4' } })
  t.equal(copy.statusCode, 200)
  t.match((await app.inject({ method: 'GET', url: `/__mock/accounts/${UNDECLARED}` })).json().result, { declared: false, videos: 1, videoDefaults: { model: 'time' } })
  // A declared account's settings still apply with auto-create on.
  const failing = await api(t, app, { method: 'POST', url: `${stream(FAILING)}/copy`, headers: JSON_HEADERS, payload: { url: 'https://example.com/e.mp4' } })
  await advance(app, 500)
  t.equal((await api(t, app, { method: 'GET', url: `${stream(FAILING)}/${failing.body.result.uid as string}`, headers: AUTH })).body.result.status.errorReasonCode, 'ERR_NON_VIDEO')
})
