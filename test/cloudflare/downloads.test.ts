import t from 'tap'
import { api } from '../helpers/api.js'
import { ACCOUNT, AUTH, OTHER_ACCOUNT, UNKNOWN_VIDEO, VIDEOS, build, downloadsPath, sharedApp } from '../helpers/build.js'

const mediaUrl = (video: string, file = 'default.mp4'): string => `http://localhost:80/${video}/downloads/${file}`

t.test('GET lists only the types that exist, each with status, percent and url', async (t) => {
  const app = await sharedApp()
  const ready = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(ready.statusCode, 200)
  t.same(ready.body, {
    result: {
      default: { status: 'ready', percentComplete: 100, url: mediaUrl(VIDEOS.ready) },
      audio: { status: 'ready', percentComplete: 100, url: mediaUrl(VIDEOS.ready, 'audio.m4a') }
    },
    success: true,
    errors: [],
    messages: []
  })
  const empty = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.same(empty.body.result, {}, 'a video with no downloads has an empty result')
  const failed = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.failed), headers: AUTH })
  t.same(failed.body.result.default, { status: 'error', percentComplete: 75, url: mediaUrl(VIDEOS.failed) }, 'url is present in every state')
})

t.test('served at the root as well as under /client/v4', async (t) => {
  const app = await sharedApp()
  const root = await api(t, app, { method: 'GET', url: `/accounts/${ACCOUNT}/stream/${VIDEOS.ready}/downloads`, headers: AUTH })
  t.equal(root.statusCode, 200)
  t.equal(root.body.result.default.status, 'ready')
})

t.test('url base: MOCK_PUBLIC_URL, else the Host header', async (t) => {
  const app = await sharedApp()
  const viaCompose = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, host: 'mock:8787' } })
  t.equal(viaCompose.body.result.default.url, `http://mock:8787/${VIDEOS.ready}/downloads/default.mp4`)
  const hostile = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, host: 'evil.example/<x>' } })
  t.equal(hostile.body.result.default.url, `http://127.0.0.1:8787/${VIDEOS.ready}/downloads/default.mp4`, 'a Host that is not a host name falls back to the configured address')
  const v6 = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, host: '[::1]:9000' } })
  t.equal(v6.body.result.default.url, `http://[::1]:9000/${VIDEOS.ready}/downloads/default.mp4`)

  const published = await build(t, { config: { publicUrl: 'https://videos.example.test/base' } })
  const res = await api(t, published, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(res.body.result.audio.url, `https://videos.example.test/base/${VIDEOS.ready}/downloads/audio.m4a`)
})

t.test('the ticker moves an in-progress download to ready', async (t) => {
  const app = await sharedApp()
  const at = async (): Promise<unknown> => (await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.inProgress), headers: AUTH })).body.result.default
  t.match(await at(), { status: 'inprogress', percentComplete: 40 })
  app.mock.clock.advance(1000)
  t.match(await at(), { status: 'inprogress', percentComplete: 50 })
  app.mock.clock.advance(5000)
  t.match(await at(), { status: 'ready', percentComplete: 100 })
})

t.test('a fixture download that ends in error', async (t) => {
  const app = await sharedApp()
  app.mock.clock.advance(2000)
  const mid = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.failing), headers: AUTH })
  t.match(mid.body.result.default, { status: 'inprogress', percentComplete: 50 })
  app.mock.clock.advance(60_000)
  const end = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.failing), headers: AUTH })
  t.match(end.body.result.default, { status: 'error', percentComplete: 60 })
})

t.test('POST creates the default download, inprogress at 0, and answers the whole object', async (t) => {
  const app = await sharedApp()
  const created = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.equal(created.statusCode, 200)
  t.same(created.body.result, { default: { status: 'inprogress', percentComplete: 0, url: mediaUrl(VIDEOS.empty) } })
  app.mock.clock.advance(3000)
  const again = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty, ACCOUNT, 'default'), headers: AUTH })
  t.same(again.body.result.default, { status: 'inprogress', percentComplete: 30, url: mediaUrl(VIDEOS.empty) }, 'creating one that exists returns it unchanged')
  const audio = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty, ACCOUNT, 'audio'), headers: AUTH })
  t.same(Object.keys(audio.body.result), ['default', 'audio'], 'the answer holds every type of the video')
  t.same(audio.body.result.audio, { status: 'inprogress', percentComplete: 0, url: mediaUrl(VIDEOS.empty, 'audio.m4a') })
})

t.test('POST accepts no body, an empty JSON body and any JSON object', async (t) => {
  const app = await sharedApp()
  const bodies = [
    { headers: AUTH },
    { headers: { ...AUTH, 'content-type': 'application/json' } },
    { headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{}' },
    { headers: { ...AUTH, 'content-type': 'application/json; charset=utf-8' }, payload: '{"anything":[1,{"x":null}],"__proto__":{"polluted":true}}' }
  ]
  for (const body of bodies) {
    const res = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), ...body })
    t.equal(res.statusCode, 200, JSON.stringify(body))
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution')
})

t.test('POST on a download in error answers the error until a client was shown it, then starts it over', async (t) => {
  const app = await sharedApp()
  const shown = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failed), headers: AUTH })
  t.match(shown.body.result.default, { status: 'error', percentComplete: 75 }, 'a failure nobody saw is answered as it stands')
  const retried = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failed), headers: AUTH })
  t.match(retried.body.result.default, { status: 'inprogress', percentComplete: 0 }, 'the next POST is a retry')

  const created = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failsOnCreate), headers: AUTH })
  t.match(created.body.result.default, { status: 'inprogress', percentComplete: 0 })
  app.mock.clock.advance(6000)
  const failed = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.failsOnCreate), headers: AUTH })
  t.match(failed.body.result.default, { status: 'error', percentComplete: 60 }, 'onCreate.default.failAt 60')
  const restarted = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failsOnCreate), headers: AUTH })
  t.match(restarted.body.result.default, { status: 'inprogress', percentComplete: 0 }, 'shown by a GET: the POST starts it over')

  // Any type's answer shows every type: a GET shows the audio error, so a POST of audio retries.
  await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failsOnCreate, ACCOUNT, 'audio'), headers: AUTH })
  app.mock.clock.advance(6000)
  const both = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failsOnCreate), headers: AUTH })
  t.match(both.body.result, { default: { status: 'error' }, audio: { status: 'error' } }, 'a POST of default shows both errors')
  const audio = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failsOnCreate, ACCOUNT, 'audio'), headers: AUTH })
  t.match(audio.body.result, { default: { status: 'error' }, audio: { status: 'inprogress', percentComplete: 0 } })
})

t.test('a client that polls with POST alone sees the error, and its next POST retries', async (t) => {
  const app = await build(t)
  const statuses: string[] = []
  for (let poll = 0; poll < 20; poll++) {
    const res = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failsOnCreate), headers: AUTH })
    const { status } = res.body.result.default
    statuses.push(status)
    if (status !== 'inprogress') break
    app.mock.clock.advance(1000)
  }
  t.same(statuses, ['inprogress', 'inprogress', 'inprogress', 'inprogress', 'inprogress', 'inprogress', 'error'], 'the loop ends on error, at 60 % after 6 s')
  const retry = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failsOnCreate), headers: AUTH })
  t.match(retry.body.result.default, { status: 'inprogress', percentComplete: 0 })
  const saved = app.mock.store.getVideo(VIDEOS.failsOnCreate)?.downloads.default
  t.match(saved, { status: 'inprogress', percentComplete: 0 }, 'the retry is stored')
})

t.test('a POST on an existing download is a read: it moves polls downloads', async (t) => {
  const app = await build(t, { fixtures: { videos: [{ id: VIDEOS.inProgress, account: ACCOUNT, downloads: { default: { model: 'polls', step: 50 } } }] } })
  const first = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.inProgress), headers: AUTH })
  t.match(first.body.result.default, { status: 'inprogress', percentComplete: 50 })
  const second = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.inProgress), headers: AUTH })
  t.match(second.body.result.default, { status: 'ready', percentComplete: 100 })
  t.same(app.mock.journal.list({ video: VIDEOS.inProgress }).map((entry) => entry.downloads), [{ default: 'inprogress' }, { default: 'ready' }], 'journaled with what each POST showed')
})

t.test('the global default speed comes from configuration', async (t) => {
  const app = await build(t, { config: { speed: 25 } })
  await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  app.mock.clock.advance(2000)
  const res = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.match(res.body.result.default, { status: 'inprogress', percentComplete: 50 })
})

t.test('DELETE removes one type, and is idempotent: a download that does not exist answers ok', async (t) => {
  const app = await sharedApp()
  const deleted = await api(t, app, { method: 'DELETE', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.same(deleted.body, { result: 'ok', success: true, errors: [], messages: [] })
  const left = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.same(Object.keys(left.body.result), ['audio'])
  const audio = await api(t, app, { method: 'DELETE', url: downloadsPath(VIDEOS.ready, ACCOUNT, 'audio'), headers: AUTH })
  t.equal(audio.body.result, 'ok')
  for (const url of [downloadsPath(VIDEOS.ready, ACCOUNT, 'audio'), downloadsPath(VIDEOS.ready), downloadsPath(VIDEOS.empty, ACCOUNT, 'audio')]) {
    const again = await api(t, app, { method: 'DELETE', url, headers: AUTH })
    t.equal(again.statusCode, 200, `${url}: deleted already, or never created`)
    t.same(again.body, { result: 'ok', success: true, errors: [], messages: [] })
  }
  const unknown = await api(t, app, { method: 'DELETE', url: downloadsPath(UNKNOWN_VIDEO), headers: AUTH })
  t.equal(unknown.statusCode, 404, 'an unknown video keeps its 404')
  t.same(unknown.body.errors, [{ code: 10003, message: 'Video not found' }])
  const account = await api(t, app, { method: 'DELETE', url: downloadsPath(VIDEOS.ready, OTHER_ACCOUNT, 'audio'), headers: AUTH })
  t.same(account.body.errors, [{ code: 10003, message: 'Account not found' }])
  const forced = await api(t, app, { method: 'DELETE', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, prefer: 'code=404' } })
  t.equal(forced.statusCode, 404, 'Prefer can still force a 404')
})

t.test('with auto-create, a video past MOCK_MAX_VIDEOS is a 409 and stores nothing', async (t) => {
  const app = await build(t, { config: { autoCreate: 'on', maxVideos: 7 } })
  t.equal(app.mock.store.videoCount, 6, 'the bundled fixtures')
  const created = await api(t, app, { method: 'POST', url: downloadsPath(UNKNOWN_VIDEO), headers: AUTH })
  t.equal(created.statusCode, 200, 'the seventh comes into being')
  const full = await api(t, app, { method: 'POST', url: downloadsPath('e'.repeat(31) + 'f'), headers: AUTH })
  t.equal(full.statusCode, 409)
  t.same(full.body.errors, [{ code: 10409, message: 'The mock holds at most 7 videos; delete some or reset it' }])
  t.equal(app.mock.store.videoCount, 7)
})

t.test('with auto-create, a DELETE on an unknown video is a 404 and stores nothing', async (t) => {
  const app = await build(t, { config: { autoCreate: 'on' } })
  const before = app.mock.store.videoCount
  const res = await api(t, app, { method: 'DELETE', url: downloadsPath(UNKNOWN_VIDEO), headers: AUTH })
  t.equal(res.statusCode, 404)
  t.equal(app.mock.store.videoCount, before)
  t.equal(app.mock.store.getVideo(UNKNOWN_VIDEO), undefined)
  const created = await api(t, app, { method: 'GET', url: downloadsPath(UNKNOWN_VIDEO), headers: AUTH })
  t.equal(created.statusCode, 200, 'a GET still brings it into being')
  const deleted = await api(t, app, { method: 'DELETE', url: downloadsPath(UNKNOWN_VIDEO), headers: AUTH })
  t.equal(deleted.statusCode, 200, 'then a DELETE of its (absent) download is ok')
})

t.test('unknown account and unknown video are 404s', async (t) => {
  const app = await sharedApp()
  const video = await api(t, app, { method: 'GET', url: downloadsPath(UNKNOWN_VIDEO), headers: AUTH })
  t.equal(video.statusCode, 404)
  t.same(video.body.errors, [{ code: 10003, message: 'Video not found' }])
  const account = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.ready, OTHER_ACCOUNT), headers: AUTH })
  t.equal(account.statusCode, 404)
  t.same(account.body.errors, [{ code: 10003, message: 'Account not found' }])
  // Video ids are unique across accounts: a video is not found under another known account.
  const app2 = await build(t, { fixtures: { videos: [{ id: VIDEOS.ready, account: ACCOUNT }, { id: UNKNOWN_VIDEO, account: OTHER_ACCOUNT }] } })
  const elsewhere = await api(t, app2, { method: 'GET', url: downloadsPath(VIDEOS.ready, OTHER_ACCOUNT), headers: AUTH })
  t.same(elsewhere.body.errors, [{ code: 10003, message: 'Video not found' }])
})

t.test('HEAD answers like GET without a body and does not count as a read', async (t) => {
  const app = await build(t, { fixtures: { videos: [{ id: VIDEOS.ready, account: ACCOUNT, downloads: { default: { model: 'polls', step: 50 } } }] } })
  const head = await app.inject({ method: 'HEAD', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  const get = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.match(get.body.result.default, { percentComplete: 50 }, 'only the GET moved the polls download')
})

t.test('a settled video\'s answer is built once and sent again until the store changes', async (t) => {
  const app = await sharedApp()
  const get = async (headers: Record<string, string> = {}): Promise<{ body: string, type: unknown }> => {
    const res = await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, ...headers } })
    t.equal(res.statusCode, 200)
    return { body: res.body, type: res.headers['content-type'] }
  }
  const first = await get()
  const again = await get()
  t.equal(again.body, first.body, 'the same bytes')
  t.equal(again.type, 'application/json; charset=utf-8', 'the same content type as a serialized answer')
  t.same(JSON.parse(again.body).result.default, { status: 'ready', percentComplete: 100, url: mediaUrl(VIDEOS.ready) })
  const polls = app.mock.journal.list({ video: VIDEOS.ready })
  t.same(polls.map((entry) => entry.downloads), [{ default: 'ready', audio: 'ready' }, { default: 'ready', audio: 'ready' }], 'each answer is journaled with what it showed')

  const head = await app.inject({ method: 'HEAD', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '', 'HEAD sends no body, reused answer or not')

  const elsewhere = await get({ host: 'mock:8787' })
  t.equal(JSON.parse(elsewhere.body).result.default.url, `http://mock:8787/${VIDEOS.ready}/downloads/default.mp4`, 'another Host is another answer')
  t.equal((await get()).body, first.body)

  // Any change of the store is a new revision: the next answer is built again.
  app.mock.store.patchDownload(VIDEOS.ready, 'default', { status: 'inprogress', percentComplete: 40, model: 'manual' })
  t.same(JSON.parse((await get()).body).result.default, { status: 'inprogress', percentComplete: 40, url: mediaUrl(VIDEOS.ready) })
  const removed = await app.inject({ method: 'DELETE', url: downloadsPath(VIDEOS.ready, ACCOUNT, 'audio'), headers: AUTH })
  t.equal(removed.statusCode, 200)
  app.mock.store.patchDownload(VIDEOS.ready, 'default', { status: 'ready' })
  const settledAgain = JSON.parse((await get()).body).result
  t.same(Object.keys(settledAgain), ['default'], 'the deleted download is gone from the answer')
  t.equal((await get()).body, JSON.stringify({ result: settledAgain, success: true, errors: [], messages: [] }))
})

t.test('an answer in error is reused too; one in progress is built on every read', async (t) => {
  const app = await build(t, { fixtures: { videos: [{ id: VIDEOS.inProgress, account: ACCOUNT, downloads: { default: { model: 'polls', step: 25 } } }, { id: VIDEOS.failed, account: ACCOUNT, downloads: { default: { status: 'error', percentComplete: 75 } } }] } })
  const read = async (video: string): Promise<{ status: string, percentComplete: number }> =>
    (await api(t, app, { method: 'GET', url: downloadsPath(video), headers: AUTH })).body.result.default
  t.match(await read(VIDEOS.failed), { status: 'error', percentComplete: 75 })
  t.match(await read(VIDEOS.failed), { status: 'error', percentComplete: 75 })
  const percents: number[] = []
  for (let i = 0; i < 5; i++) percents.push((await read(VIDEOS.inProgress)).percentComplete)
  t.same(percents, [25, 50, 75, 100, 100], 'every read of a polls download moves it, until it is ready')
})

t.test('a create answers the download as it was made: one mock instant for the whole answer, on a running clock', async (t) => {
  // A wall clock that moves 100 ms at every read: a second read of mock time in the answer
  // would show the new download past 0 % (10 %/s).
  let wallMs = Date.UTC(2026, 11, 2)
  const app = await build(t, { autoTick: true, wallClock: () => (wallMs += 100), config: { speed: 10 } })
  const created = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.equal(created.statusCode, 200)
  t.match(created.body.result, { default: { status: 'inprogress', percentComplete: 0 } })
  const later = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.ok(later.body.result.default.percentComplete > 0, 'the clock runs: a later read shows progress')
})
