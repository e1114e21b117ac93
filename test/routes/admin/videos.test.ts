import t from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { api } from '../../helpers/api.js'
import { ACCOUNT, AUTH, OTHER_ACCOUNT, VIDEOS, build, downloadsPath, sharedApp } from '../../helpers/build.js'
import { FixtureSchema } from '../../../src/schemas/fixture.js'

async function admin (app: FastifyInstance, method: string, path: string, payload?: object | string): Promise<{ statusCode: number, body: any }> {
  const raw = typeof payload === 'string'
  const res = await app.inject({
    method: method as InjectOptions['method'],
    url: `/__mock${path}`,
    ...(payload === undefined ? {} : { payload }),
    ...(raw ? { headers: { 'content-type': 'application/json' } } : {})
  })
  return { statusCode: res.statusCode, body: res.json() }
}

const success = (result: unknown): object => ({ result, success: true, errors: [], messages: [] })
const failure = (code: number, message: string): object => ({ result: null, success: false, errors: [{ code, message }], messages: [] })
const download = (status: string, percentComplete: number, extra: object = {}): object => ({ status, percentComplete, model: 'time', speed: 10, step: 25, ...extra })
const NEW_VIDEO = '11111111111111111111111111111111'
const SECOND = '22222222222222222222222222222222'

t.test('GET /videos lists every video, or one account\'s', async (t) => {
  const app = await build(t, {
    fixtures: [
      { videos: [{ id: NEW_VIDEO, account: OTHER_ACCOUNT, downloads: { audio: { percentComplete: 25, speed: 5 } }, onCreate: { default: { model: 'polls' } } }] },
      { videos: [{ id: VIDEOS.ready, account: ACCOUNT, downloads: { default: { status: 'ready' } } }, { id: VIDEOS.empty, account: ACCOUNT }] }
    ]
  })
  const all = await admin(app, 'GET', '/videos')
  t.equal(all.statusCode, 200)
  t.strictSame(all.body, success({
    videos: [
      { id: NEW_VIDEO, account: OTHER_ACCOUNT, downloads: { audio: download('inprogress', 25, { speed: 5 }) }, onCreate: { default: { model: 'polls' } } },
      { id: VIDEOS.ready, account: ACCOUNT, downloads: { default: download('ready', 100) }, onCreate: {} },
      { id: VIDEOS.empty, account: ACCOUNT, downloads: {}, onCreate: {} }
    ],
    total: 3
  }))
  const other = await admin(app, 'GET', `/videos?account=${OTHER_ACCOUNT}`)
  t.strictSame(other.body.result.videos.map((video: { id: string }) => video.id), [NEW_VIDEO])
  t.strictSame((await admin(app, 'GET', `/videos?account=${ACCOUNT}`)).body.result.videos.map((video: { id: string }) => video.id), [VIDEOS.ready, VIDEOS.empty])
  t.strictSame((await admin(app, 'GET', '/videos?account=dddddddddddddddddddddddddddddddd')).body, success({ videos: [], total: 0 }), 'an unknown account has none')
  const bad = await admin(app, 'GET', '/videos?account=023E105F4ECEF8AD9CA31A8372D0C353')
  t.equal(bad.statusCode, 400)
  t.strictSame(bad.body, failure(10400, 'querystring.account: must match pattern "^[0-9a-f]{32}$"'))
})

t.test('GET /videos pages: offset and limit take a page in the listing\'s order, total counts them all', async (t) => {
  const ids = Array.from({ length: 250 }, (_, index) => (0x1000 + index).toString(16).padStart(32, 'b'))
  const app = await build(t, { fixtures: { videos: ids.map((id, index) => ({ id, account: index % 2 === 0 ? ACCOUNT : OTHER_ACCOUNT })) } })
  const page = async (query: string): Promise<any> => (await admin(app, 'GET', `/videos?${query}`)).body
  const listed = (body: any): string[] => body.result.videos.map((video: { id: string }) => video.id)
  const first = await page('limit=100')
  t.equal(first.result.total, 250)
  t.strictSame(listed(first), ids.slice(0, 100), 'the first 100, oldest first')
  t.strictSame(listed(await page('offset=100&limit=100')), ids.slice(100, 200))
  const last = await page('offset=200&limit=100')
  t.strictSame(listed(last), ids.slice(200), 'the last page holds the rest')
  t.equal(last.result.total, 250)
  t.strictSame(listed(await page('offset=250&limit=100')), [], 'past the end: none, and the total')
  t.strictSame(listed(await page('offset=240')), ids.slice(240), 'no limit: the rest')
  const mine = await page(`account=${OTHER_ACCOUNT}&offset=120&limit=10`)
  t.strictSame(listed(mine), ids.filter((_, index) => index % 2 === 1).slice(120), 'one account\'s, paged')
  t.equal(mine.result.total, 125)
  t.strictSame((await page('limit=0')).errors, [{ code: 10400, message: 'querystring.limit: must be >= 1' }])
  t.strictSame((await page('limit=1001')).errors, [{ code: 10400, message: 'querystring.limit: must be <= 1000' }])
  t.strictSame((await page('offset=-1')).errors, [{ code: 10400, message: 'querystring.offset: must be >= 0' }])
  t.strictSame((await page('offset=x')).errors, [{ code: 10400, message: 'querystring.offset: must be integer' }])
})

t.test('POST /videos creates a video from a fixture entry; 409 when the id exists', async (t) => {
  const app = await sharedApp()
  const video = {
    id: NEW_VIDEO,
    account: OTHER_ACCOUNT,
    description: 'made over the admin API',
    downloads: { default: { percentComplete: 50, speed: 25 } },
    onCreate: { audio: { failAt: 10 } }
  }
  const created = await admin(app, 'POST', '/videos', video)
  t.equal(created.statusCode, 200)
  t.strictSame(created.body, success({ id: NEW_VIDEO, account: OTHER_ACCOUNT, downloads: { default: download('inprogress', 50, { speed: 25 }) }, onCreate: { audio: { failAt: 10 } } }))
  const served = await api(t, app, { method: 'GET', url: downloadsPath(NEW_VIDEO, OTHER_ACCOUNT), headers: AUTH })
  t.strictSame(served.body.result, { default: { status: 'inprogress', percentComplete: 50, url: `http://localhost:80/${NEW_VIDEO}/downloads/default.mp4` } })

  const again = await admin(app, 'POST', '/videos', { id: NEW_VIDEO, account: ACCOUNT })
  t.equal(again.statusCode, 409)
  t.strictSame(again.body, failure(10409, `video ${NEW_VIDEO} exists; PUT /__mock/videos/${NEW_VIDEO} replaces it`))
  t.equal((await admin(app, 'GET', `/videos/${NEW_VIDEO}`)).body.result.account, OTHER_ACCOUNT, 'the existing video is unchanged')

  const bad = await admin(app, 'POST', '/videos', { id: SECOND, account: ACCOUNT, downloads: { default: { percentComplete: 150 } }, colour: 'red' })
  t.equal(bad.statusCode, 400)
  t.strictSame(bad.body.errors, [
    { code: 10400, message: 'body.colour: must NOT have additional properties' },
    { code: 10400, message: 'body.downloads.default.percentComplete: must be <= 100' }
  ], 'every problem, each naming its field')
  const empty = await admin(app, 'POST', '/videos')
  t.strictSame(empty.body.errors, [
    { code: 10400, message: 'body.id: must have required property \'id\'' },
    { code: 10400, message: 'body.account: must have required property \'account\'' }
  ], 'no body: the required fields are named')
})

t.test('GET /videos/:video shows one video; 404 for an unknown one, 400 for a bad id', async (t) => {
  const app = await sharedApp()
  const shown = await admin(app, 'GET', `/videos/${VIDEOS.failing}`)
  t.strictSame(shown.body, success({ id: VIDEOS.failing, account: ACCOUNT, downloads: { default: download('inprogress', 30, { failAt: 60 }) }, onCreate: {} }))
  const missing = await admin(app, 'GET', `/videos/${NEW_VIDEO}`)
  t.equal(missing.statusCode, 404)
  t.strictSame(missing.body, failure(10404, `no video ${NEW_VIDEO}`))
  const pattern = { code: 10400, message: 'params.video: must match pattern "^[0-9a-f]{32}$"' }
  const cases: Array<[string, object[]]> = [
    ['abc', [pattern]],
    ['EA95132C15732412D22C1476FA83F27A', [pattern]],
    [`${VIDEOS.ready}0`, [{ code: 10400, message: 'params.video: must NOT have more than 32 characters; must match pattern "^[0-9a-f]{32}$"' }]]
  ]
  for (const [id, errors] of cases) {
    const bad = await admin(app, 'GET', `/videos/${id}`)
    t.equal(bad.statusCode, 400, id)
    t.strictSame(bad.body, { result: null, success: false, errors, messages: [] })
  }
  const badType = await admin(app, 'PATCH', `/videos/${VIDEOS.ready}/downloads/video`, {})
  t.equal(badType.statusCode, 400)
  t.ok(badType.body.errors.length > 0 && badType.body.errors.every((error: { message: string }) => error.message.startsWith('params.type: ')), 'names params.type')
})

t.test('PUT /videos/:video replaces a video, moves it to another account, or creates one', async (t) => {
  const app = await sharedApp()
  await admin(app, 'POST', '/clock/advance', { ms: 1000 })
  const moved = await admin(app, 'PUT', `/videos/${VIDEOS.inProgress}`, { account: OTHER_ACCOUNT, downloads: { audio: { percentComplete: 10 } } })
  t.equal(moved.statusCode, 200)
  t.strictSame(moved.body, success({ id: VIDEOS.inProgress, account: OTHER_ACCOUNT, downloads: { audio: download('inprogress', 10) }, onCreate: {} }), 'the whole video is replaced')
  const old = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.inProgress), headers: AUTH })
  t.equal(old.statusCode, 404)
  t.strictSame(old.body.errors, [{ code: 10003, message: 'Video not found' }], 'no longer in its old account')
  await admin(app, 'POST', '/clock/advance', { ms: 1000 })
  const there = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.inProgress, OTHER_ACCOUNT), headers: AUTH })
  t.strictSame(there.body.result, { audio: { status: 'inprogress', percentComplete: 20, url: `http://localhost:80/${VIDEOS.inProgress}/downloads/audio.m4a` } }, 'served in the new account, from the mock time of the PUT')
  t.strictSame((await admin(app, 'GET', `/videos?account=${OTHER_ACCOUNT}`)).body.result.videos.map((video: { id: string }) => video.id), [VIDEOS.inProgress])
  t.notOk((await admin(app, 'GET', `/videos?account=${ACCOUNT}`)).body.result.videos.some((video: { id: string }) => video.id === VIDEOS.inProgress))

  const created = await admin(app, 'PUT', `/videos/${NEW_VIDEO}`, { account: ACCOUNT })
  t.strictSame(created.body, success({ id: NEW_VIDEO, account: ACCOUNT, downloads: {}, onCreate: {} }))
  const withId = await admin(app, 'PUT', `/videos/${NEW_VIDEO}`, { id: NEW_VIDEO, account: ACCOUNT })
  t.strictSame(withId.body, failure(10400, 'body.id: must NOT have additional properties'), 'the id is the path\'s')
})

t.test('DELETE /videos/:video deletes it: 404 after, on both surfaces', async (t) => {
  const app = await sharedApp()
  const deleted = await admin(app, 'DELETE', `/videos/${VIDEOS.ready}`)
  t.strictSame(deleted.body, success({ deleted: VIDEOS.ready }))
  t.strictSame((await admin(app, 'GET', `/videos/${VIDEOS.ready}`)).body, failure(10404, `no video ${VIDEOS.ready}`))
  const again = await admin(app, 'DELETE', `/videos/${VIDEOS.ready}`)
  t.equal(again.statusCode, 404)
  t.strictSame(again.body, failure(10404, `no video ${VIDEOS.ready}`))
  const served = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.strictSame(served.body.errors, [{ code: 10003, message: 'Video not found' }])
  const media = await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4` })
  t.equal(media.statusCode, 404)
})

t.test('on-create: set, then a client POST gets those settings; delete, then the global default', async (t) => {
  const app = await sharedApp()
  const set = await admin(app, 'PUT', `/videos/${VIDEOS.empty}/on-create/default`, { speed: 50, failAt: 80 })
  t.strictSame(set.body, success({ id: VIDEOS.empty, account: ACCOUNT, downloads: {}, onCreate: { default: { speed: 50, failAt: 80 } } }))
  const created = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.match(created.body.result.default, { status: 'inprogress', percentComplete: 0 })
  t.strictSame((await admin(app, 'GET', `/videos/${VIDEOS.empty}`)).body.result.downloads.default, download('inprogress', 0, { speed: 50, failAt: 80 }))
  await admin(app, 'POST', '/clock/advance', { ms: 1000 })
  t.match((await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.empty), headers: AUTH })).body.result.default, { status: 'inprogress', percentComplete: 50 })
  await admin(app, 'POST', '/clock/advance', { ms: 1000 })
  t.match((await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.empty), headers: AUTH })).body.result.default, { status: 'error', percentComplete: 80 })

  const forgotten = await admin(app, 'DELETE', `/videos/${VIDEOS.empty}/on-create/default`)
  t.strictSame(forgotten.body.result.onCreate, {})
  await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  await admin(app, 'POST', '/clock/advance', { ms: 1000 })
  t.strictSame((await admin(app, 'GET', `/videos/${VIDEOS.empty}`)).body.result.downloads.default, download('inprogress', 10), 'the retry takes the global default')

  t.strictSame((await admin(app, 'PUT', `/videos/${NEW_VIDEO}/on-create/audio`, {})).body, failure(10404, `no video ${NEW_VIDEO}`))
  t.strictSame((await admin(app, 'DELETE', `/videos/${NEW_VIDEO}/on-create/audio`)).body, failure(10404, `no video ${NEW_VIDEO}`))
  t.strictSame((await admin(app, 'PUT', `/videos/${VIDEOS.empty}/on-create/audio`, { status: 'ready' })).body, failure(10400, 'body.status: must NOT have additional properties'), 'only progression settings')
})

t.test('POST /fixtures loads a document: videos created or replaced, others kept', async (t) => {
  const app = await sharedApp()
  const loaded = await admin(app, 'POST', '/fixtures', {
    $schema: '../schemas/fixture.schema.json',
    description: 'more',
    videos: [
      { id: NEW_VIDEO, account: OTHER_ACCOUNT, downloads: { default: { model: 'manual', percentComplete: 33 } } },
      { id: VIDEOS.ready, account: ACCOUNT, downloads: { audio: { status: 'error', percentComplete: 12 } } }
    ]
  })
  t.equal(loaded.statusCode, 200)
  t.strictSame(loaded.body, success({ loaded: 2, created: 1 }))
  t.strictSame((await admin(app, 'GET', `/videos/${NEW_VIDEO}`)).body.result, { id: NEW_VIDEO, account: OTHER_ACCOUNT, downloads: { default: download('inprogress', 33, { model: 'manual' }) }, onCreate: {} })
  t.strictSame((await admin(app, 'GET', `/videos/${VIDEOS.ready}`)).body.result, { id: VIDEOS.ready, account: ACCOUNT, downloads: { audio: download('error', 12) }, onCreate: {} }, 'replaced whole')
  t.equal((await admin(app, 'GET', '/videos')).body.result.videos.length, 7, 'the other videos stay')
  t.strictSame((await admin(app, 'POST', '/fixtures', { videos: [] })).body, success({ loaded: 0, created: 0 }))
})

t.test('POST /fixtures refuses a bad document with the fixture file\'s message, and changes nothing', async (t) => {
  const app = await sharedApp()
  const before = (await admin(app, 'GET', '/videos')).body
  const cases: Array<[object | string, string]> = [
    [{ videos: [{ id: 'x', account: ACCOUNT }] }, 'body: $.videos[0].id: 32 lowercase hexadecimal characters (got "x")'],
    [{ videos: [{ id: NEW_VIDEO, account: ACCOUNT, colour: 'red' }] }, 'body: $.videos[0].colour: unknown property'],
    [{ videos: [{ id: NEW_VIDEO, account: ACCOUNT, downloads: { default: { percentComplete: 150 } } }] }, 'body: $.videos[0].downloads.default.percentComplete: expected number to be less or equal to 100 (got 150)'],
    [{ videos: [{ id: NEW_VIDEO, account: ACCOUNT, downloads: { default: { status: 'ready', percentComplete: 50 } } }] }, 'body: $.videos[0].downloads.default.percentComplete: a ready download is at 100 (got 50)'],
    [{}, 'body: $.videos: missing required property'],
    [{ videos: [{ id: NEW_VIDEO, account: ACCOUNT }, { id: SECOND, account: ACCOUNT }, { id: NEW_VIDEO, account: OTHER_ACCOUNT }] }, `body: $.videos[2].id: duplicate video id ${NEW_VIDEO} (already at $.videos[0])`],
    [`{"videos":[{"id":"${NEW_VIDEO}","account":"${ACCOUNT}","__proto__":{"polluted":true}}]}`, 'body: $.videos[0].__proto__: forbidden key (prototype keys are refused)'],
    ['{"__proto__":{"polluted":true},"videos":[]}', 'body: $.__proto__: forbidden key (prototype keys are refused)'],
    [{ videos: [{ id: NEW_VIDEO, account: ACCOUNT, constructor: {} }] }, 'body: $.videos[0].constructor: forbidden key (prototype keys are refused)']
  ]
  for (const [document, message] of cases) {
    const res = await admin(app, 'POST', '/fixtures', document)
    t.equal(res.statusCode, 400, message)
    t.strictSame(res.body, failure(10400, message))
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution')
  t.strictSame((await admin(app, 'POST', '/fixtures')).body, failure(10400, 'body: $.videos: missing required property'), 'no body')
  const notObject = await admin(app, 'POST', '/fixtures', '[]')
  t.strictSame(notObject.body.errors, [{ code: 6007, message: 'Malformed JSON in request body' }, { code: 6008, message: 'The request body must be a JSON object' }])
  t.strictSame((await admin(app, 'POST', '/fixtures', '{"videos":')).body, failure(6007, 'Malformed JSON in request body'))
  t.strictSame((await admin(app, 'GET', '/videos')).body, before, 'nothing changed')
})

t.test('GET and PUT /defaults: the progression of created downloads', async (t) => {
  const app = await sharedApp()
  t.strictSame((await admin(app, 'GET', '/defaults')).body, success({ model: 'time', speed: 10, step: 25 }))
  const set = await admin(app, 'PUT', '/defaults', { model: 'polls', step: 50, holdAt: 90 })
  t.strictSame(set.body, success({ model: 'polls', speed: 10, step: 50, holdAt: 90 }))
  t.strictSame((await admin(app, 'GET', '/defaults')).body.result, { model: 'polls', speed: 10, step: 50, holdAt: 90 })
  await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.match((await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.empty), headers: AUTH })).body.result.default, { status: 'inprogress', percentComplete: 50 })
  t.match((await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.empty), headers: AUTH })).body.result.default, { status: 'inprogress', percentComplete: 90 }, 'held at 90')
  const onCreate = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failsOnCreate), headers: AUTH })
  t.equal(onCreate.statusCode, 200)
  t.strictSame((await admin(app, 'GET', `/videos/${VIDEOS.failsOnCreate}`)).body.result.downloads.default, { status: 'inprogress', percentComplete: 0, model: 'polls', speed: 10, step: 50, failAt: 60, holdAt: 90 }, 'a video\'s onCreate wins field by field')

  t.strictSame((await admin(app, 'PUT', '/defaults', { failAt: 70, speed: 20 })).body.result, { model: 'time', speed: 20, step: 25, failAt: 70 }, 'unset fields take the configured defaults')
  t.strictSame((await admin(app, 'PUT', '/defaults')).body.result, { model: 'time', speed: 10, step: 25 }, 'no body: the configured defaults')
  t.strictSame((await admin(app, 'PUT', '/defaults', { speed: 101 })).body, failure(10400, 'body.speed: must be <= 100'))
  t.strictSame((await admin(app, 'PUT', '/defaults', { step: 0 })).body, failure(10400, 'body.step: must be > 0'))
})

t.test('GET /fixture-schema.json is the fixture JSON Schema', async (t) => {
  const app = await sharedApp()
  const res = await admin(app, 'GET', '/fixture-schema.json')
  t.equal(res.statusCode, 200)
  t.strictSame(res.body, JSON.parse(JSON.stringify(FixtureSchema)))
  t.equal(res.body.title, 'stream-downloads-mock fixture')
})
