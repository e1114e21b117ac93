import t, { type Test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { api } from '../../helpers/api.js'
import { ACCOUNT, AUTH, VIDEOS, downloadsPath, sharedApp } from '../../helpers/build.js'

/** An admin request; the body is parsed when there is one. */
async function admin (app: FastifyInstance, method: string, path: string, payload?: object): Promise<{ statusCode: number, body: any }> {
  const res = await app.inject({ method: method as InjectOptions['method'], url: `/__mock${path}`, ...(payload === undefined ? {} : { payload }) })
  return { statusCode: res.statusCode, body: res.json() }
}

const url = (video: string, file = 'default.mp4'): string => `http://localhost:80/${video}/downloads/${file}`
const failure = (code: number, message: string): object => ({ result: null, success: false, errors: [{ code, message }], messages: [] })

/** The Cloudflare GET of a video's downloads, through the contract check. */
async function downloads (t: Test, app: FastifyInstance, video: string, headers: Record<string, string> = AUTH): Promise<{ statusCode: number, body: any }> {
  return await api(t, app, { method: 'GET', url: downloadsPath(video), headers })
}

t.test('polls: a 2xx GET or POST of the video\'s downloads moves it one step; HEAD, failures, other videos and the clock do not', async (t) => {
  const app = await sharedApp()
  const put = await admin(app, 'PUT', `/videos/${VIDEOS.empty}/downloads/default`, { model: 'polls', step: 30 })
  t.equal(put.statusCode, 200)
  t.strictSame(put.body, {
    result: { id: VIDEOS.empty, account: ACCOUNT, downloads: { default: { status: 'inprogress', percentComplete: 0, model: 'polls', speed: 10, step: 30 } }, onCreate: {} },
    success: true,
    errors: [],
    messages: []
  })
  app.mock.clock.advance(60_000)
  t.equal((await admin(app, 'POST', '/clock/advance', { ms: 60_000 })).body.result.transitions, 0, 'the clock moves nothing')

  const first = await downloads(t, app, VIDEOS.empty)
  t.strictSame(first.body.result, { default: { status: 'inprogress', percentComplete: 30, url: url(VIDEOS.empty) } }, 'the GET that polls shows the step')
  const head = await api(t, app, { method: 'HEAD', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.equal(head.statusCode, 200)
  const forced = await downloads(t, app, VIDEOS.empty, { ...AUTH, prefer: 'code=503' })
  t.equal(forced.statusCode, 503)
  const anonymous = await downloads(t, app, VIDEOS.empty, {})
  t.equal(anonymous.statusCode, 400)
  await downloads(t, app, VIDEOS.ready)
  t.match((await admin(app, 'GET', `/videos/${VIDEOS.empty}`)).body.result.downloads.default, { status: 'inprogress', percentComplete: 30 }, 'HEAD, a 503, a 400, another video and the admin view moved nothing')
  const created = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.equal(created.body.result.default.percentComplete, 60, 'a POST on the existing download is a read, as a GET is')

  t.match((await downloads(t, app, VIDEOS.empty)).body.result.default, { status: 'inprogress', percentComplete: 90 })
  t.match((await downloads(t, app, VIDEOS.empty)).body.result.default, { status: 'ready', percentComplete: 100 })
  t.match((await downloads(t, app, VIDEOS.empty)).body.result.default, { status: 'ready', percentComplete: 100 }, 'ready stays ready')
})

t.test('manual: moves only on PATCH {percentComplete}', async (t) => {
  const app = await sharedApp()
  await admin(app, 'PUT', `/videos/${VIDEOS.empty}/downloads/audio`, { model: 'manual', percentComplete: 10 })
  await admin(app, 'POST', '/clock/advance', { ms: 3_600_000 })
  await downloads(t, app, VIDEOS.empty)
  t.strictSame((await downloads(t, app, VIDEOS.empty)).body.result, { audio: { status: 'inprogress', percentComplete: 10, url: url(VIDEOS.empty, 'audio.m4a') } }, 'neither time nor polls move it')

  const patched = await admin(app, 'PATCH', `/videos/${VIDEOS.empty}/downloads/audio`, { percentComplete: 55 })
  t.strictSame(patched.body.result.downloads, { audio: { status: 'inprogress', percentComplete: 55, model: 'manual', speed: 10, step: 25 } })
  t.match((await downloads(t, app, VIDEOS.empty)).body.result.audio, { status: 'inprogress', percentComplete: 55 })
  const done = await admin(app, 'PATCH', `/videos/${VIDEOS.empty}/downloads/audio`, { percentComplete: 100 })
  t.strictSame(done.body.result.downloads.audio, { status: 'ready', percentComplete: 100, model: 'manual', speed: 10, step: 25 }, '100 is ready')
  t.match((await downloads(t, app, VIDEOS.empty)).body.result.audio, { status: 'ready', percentComplete: 100 })
})

t.test('immediate (through onCreate): ready the moment a client creates it, or at its fail point', async (t) => {
  const app = await sharedApp()
  await admin(app, 'PUT', `/videos/${VIDEOS.empty}/on-create/default`, { model: 'immediate' })
  await admin(app, 'PUT', `/videos/${VIDEOS.empty}/on-create/audio`, { model: 'immediate', failAt: 30 })
  const created = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.strictSame(created.body.result, { default: { status: 'ready', percentComplete: 100, url: url(VIDEOS.empty) } })
  const audio = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty, ACCOUNT, 'audio'), headers: AUTH })
  t.strictSame(audio.body.result.audio, { status: 'error', percentComplete: 30, url: url(VIDEOS.empty, 'audio.m4a') })
})

t.test('failAt: a time download becomes error at that point and stays there', async (t) => {
  const app = await sharedApp()
  await admin(app, 'PUT', `/videos/${VIDEOS.empty}/downloads/default`, { percentComplete: 20, speed: 10, failAt: 50 })
  const before = await admin(app, 'POST', '/clock/advance', { ms: 2999 })
  t.strictSame(before.body.result.videos.find((video: { id: string }) => video.id === VIDEOS.empty).downloads.default,
    { status: 'inprogress', percentComplete: 49.9, model: 'time', speed: 10, step: 25, failAt: 50 })
  const at = await admin(app, 'POST', '/clock/advance', { ms: 1 })
  t.equal(at.body.result.transitions, 2, 'this one and the bundled failing video, which fails at 3 s too')
  t.match((await downloads(t, app, VIDEOS.empty)).body.result.default, { status: 'error', percentComplete: 50 })
  await admin(app, 'POST', '/clock/advance', { ms: 60_000 })
  t.match((await downloads(t, app, VIDEOS.empty)).body.result.default, { status: 'error', percentComplete: 50 })
})

t.test('holdAt: stops inprogress there; PATCH {holdAt: null} releases it and it goes on at its speed', async (t) => {
  const app = await sharedApp()
  await admin(app, 'PUT', `/videos/${VIDEOS.empty}/downloads/default`, { percentComplete: 20, speed: 20, holdAt: 60 })
  const held = await admin(app, 'POST', '/clock/advance', { ms: 10_000 })
  t.equal(held.body.result.transitions, 3, 'reaching the hold is a transition (with the bundled in-progress and failing videos)')
  t.strictSame(held.body.result.videos.find((video: { id: string }) => video.id === VIDEOS.empty).downloads.default,
    { status: 'inprogress', percentComplete: 60, model: 'time', speed: 20, step: 25, holdAt: 60 })
  await admin(app, 'POST', '/clock/advance', { ms: 10_000 })
  t.match((await downloads(t, app, VIDEOS.empty)).body.result.default, { status: 'inprogress', percentComplete: 60 }, 'held')

  const released = await admin(app, 'PATCH', `/videos/${VIDEOS.empty}/downloads/default`, { holdAt: null })
  t.equal(released.statusCode, 200)
  t.strictSame(released.body.result.downloads.default, { status: 'inprogress', percentComplete: 60, model: 'time', speed: 20, step: 25 }, 'no hold any more (null is not read as 0)')
  await admin(app, 'POST', '/clock/advance', { ms: 1000 })
  t.match((await downloads(t, app, VIDEOS.empty)).body.result.default, { status: 'inprogress', percentComplete: 80 }, 'on from the hold point at 20 %/s')
  await admin(app, 'POST', '/clock/advance', { ms: 1000 })
  t.match((await downloads(t, app, VIDEOS.empty)).body.result.default, { status: 'ready', percentComplete: 100 })
})

t.test('PATCH {failAt: null} removes a fail point; PATCH {failAt} sets one', async (t) => {
  const app = await sharedApp()
  const cleared = await admin(app, 'PATCH', `/videos/${VIDEOS.failing}/downloads/default`, { failAt: null })
  t.strictSame(cleared.body.result.downloads.default, { status: 'inprogress', percentComplete: 30, model: 'time', speed: 10, step: 25 })
  await admin(app, 'POST', '/clock/advance', { ms: 7000 })
  t.match((await downloads(t, app, VIDEOS.failing)).body.result.default, { status: 'ready', percentComplete: 100 }, 'past 60 without failing')

  await admin(app, 'PATCH', `/videos/${VIDEOS.inProgress}/downloads/default`, { status: 'inprogress', percentComplete: 10 })
  const set = await admin(app, 'PATCH', `/videos/${VIDEOS.inProgress}/downloads/default`, { failAt: 30, speed: 5 })
  t.strictSame(set.body.result.downloads.default, { status: 'inprogress', percentComplete: 10, model: 'time', speed: 5, step: 25, failAt: 30 }, 'other fields keep their value')
  await admin(app, 'POST', '/clock/advance', { ms: 4000 })
  t.match((await downloads(t, app, VIDEOS.inProgress)).body.result.default, { status: 'error', percentComplete: 30 })
})

t.test('PATCH {status: "error"} fails it now, where it stands; a client POST then starts it over', async (t) => {
  const app = await sharedApp()
  await admin(app, 'POST', '/clock/advance', { ms: 1000 })
  const failed = await admin(app, 'PATCH', `/videos/${VIDEOS.inProgress}/downloads/default`, { status: 'error' })
  t.strictSame(failed.body.result.downloads.default, { status: 'error', percentComplete: 50, model: 'time', speed: 10, step: 25 })
  await admin(app, 'POST', '/clock/advance', { ms: 10_000 })
  t.strictSame((await downloads(t, app, VIDEOS.inProgress)).body.result, { default: { status: 'error', percentComplete: 50, url: url(VIDEOS.inProgress) } })
  const retried = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.inProgress), headers: AUTH })
  t.match(retried.body.result.default, { status: 'inprogress', percentComplete: 0 })
})

t.test('PATCH moves between states: ready, back to inprogress, same status, a new download', async (t) => {
  const app = await sharedApp()
  const path = `/videos/${VIDEOS.ready}/downloads/default`
  t.strictSame((await admin(app, 'PATCH', path, { percentComplete: 30 })).body.result.downloads.default,
    { status: 'inprogress', percentComplete: 30, model: 'time', speed: 10, step: 25 }, 'a percent below 100 on a ready download makes it inprogress')
  t.strictSame((await admin(app, 'PATCH', path, { status: 'inprogress', speed: 0 })).body.result.downloads.default,
    { status: 'inprogress', percentComplete: 30, model: 'time', speed: 0, step: 25 }, 'the same status keeps the percent')
  t.strictSame((await admin(app, 'PATCH', path, { status: 'ready' })).body.result.downloads.default,
    { status: 'ready', percentComplete: 100, model: 'time', speed: 0, step: 25 })
  t.strictSame((await admin(app, 'PATCH', path, { status: 'inprogress' })).body.result.downloads.default,
    { status: 'inprogress', percentComplete: 0, model: 'time', speed: 0, step: 25 }, 'a new status without a percent starts from 0')
  t.strictSame((await admin(app, 'PATCH', `/videos/${VIDEOS.failed}/downloads/default`, { percentComplete: 20 })).body.result.downloads.default,
    { status: 'error', percentComplete: 20, model: 'time', speed: 10, step: 25 }, 'an error download keeps its status')

  const fresh = await admin(app, 'PATCH', `/videos/${VIDEOS.empty}/downloads/audio`, { model: 'polls' })
  t.strictSame(fresh.body.result.downloads, { audio: { status: 'inprogress', percentComplete: 0, model: 'polls', speed: 10, step: 25 } }, 'a download that does not exist is created from the patch')
  const failedAt = await admin(app, 'PATCH', `/videos/${VIDEOS.empty}/downloads/default`, { status: 'error' })
  t.strictSame(failedAt.body.result.downloads.default, { status: 'error', percentComplete: 0, model: 'time', speed: 10, step: 25 }, 'a new download failed at once is at 0')
})

t.test('PUT .../downloads/:type creates or replaces one download from now on', async (t) => {
  const app = await sharedApp()
  await admin(app, 'POST', '/clock/advance', { ms: 5000 })
  const replaced = await admin(app, 'PUT', `/videos/${VIDEOS.ready}/downloads/default`, { percentComplete: 10, speed: 5 })
  t.strictSame(replaced.body.result.downloads, {
    default: { status: 'inprogress', percentComplete: 10, model: 'time', speed: 5, step: 25 },
    audio: { status: 'ready', percentComplete: 100, model: 'time', speed: 10, step: 25 }
  }, 'only that type changes')
  await admin(app, 'POST', '/clock/advance', { ms: 2000 })
  t.match((await downloads(t, app, VIDEOS.ready)).body.result.default, { status: 'inprogress', percentComplete: 20 }, 'anchored at the mock time of the PUT')
  const ready = await admin(app, 'PUT', `/videos/${VIDEOS.ready}/downloads/default`, { status: 'ready' })
  t.strictSame(ready.body.result.downloads.default, { status: 'ready', percentComplete: 100, model: 'time', speed: 10, step: 25 }, 'a replacement, not a merge: the speed is the default again')
  const audio = await admin(app, 'PUT', `/videos/${VIDEOS.empty}/downloads/audio`, { model: 'immediate' })
  t.strictSame(audio.body.result.downloads, { audio: { status: 'ready', percentComplete: 100, model: 'immediate', speed: 10, step: 25 } })
  t.strictSame((await downloads(t, app, VIDEOS.empty)).body.result, { audio: { status: 'ready', percentComplete: 100, url: url(VIDEOS.empty, 'audio.m4a') } })

  const missing = await admin(app, 'PUT', '/videos/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee/downloads/default', {})
  t.equal(missing.statusCode, 404)
  t.strictSame(missing.body, failure(10404, 'no video eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'))
})

t.test('DELETE .../downloads/:type removes one download; 404 when there is none', async (t) => {
  const app = await sharedApp()
  const deleted = await admin(app, 'DELETE', `/videos/${VIDEOS.ready}/downloads/audio`)
  t.strictSame(deleted.body.result.downloads, { default: { status: 'ready', percentComplete: 100, model: 'time', speed: 10, step: 25 } })
  t.strictSame((await downloads(t, app, VIDEOS.ready)).body.result, { default: { status: 'ready', percentComplete: 100, url: url(VIDEOS.ready) } })
  const again = await admin(app, 'DELETE', `/videos/${VIDEOS.ready}/downloads/audio`)
  t.equal(again.statusCode, 404)
  t.strictSame(again.body, failure(10404, `video ${VIDEOS.ready} has no audio download`))
  const noVideo = await admin(app, 'DELETE', '/videos/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee/downloads/audio')
  t.strictSame(noVideo.body, failure(10404, 'no video eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'))
})

t.test('inconsistent states are a 400 naming the field; nothing changes', async (t) => {
  const app = await sharedApp()
  const path = `/videos/${VIDEOS.inProgress}/downloads/default`
  const cases: Array<[string, object, string]> = [
    ['PUT', { status: 'ready', percentComplete: 50 }, 'body: $.percentComplete: a ready download is at 100 (got 50)'],
    ['PUT', { status: 'inprogress', percentComplete: 100 }, 'body: $.percentComplete: an inprogress download is below 100; use status "ready" for a finished one'],
    ['PATCH', { status: 'ready', percentComplete: 50 }, 'body.percentComplete: a ready download is at 100 (got 50)'],
    ['PATCH', { status: 'inprogress', percentComplete: 100 }, 'body.percentComplete: an inprogress download is below 100; use status "ready" for a finished one']
  ]
  for (const [method, payload, message] of cases) {
    const res = await admin(app, method, path, payload)
    t.equal(res.statusCode, 400, `${method} ${JSON.stringify(payload)}`)
    t.strictSame(res.body, failure(10400, message))
  }
  const video = { id: '11111111111111111111111111111111', account: ACCOUNT, downloads: { audio: { status: 'ready', percentComplete: 50 } } }
  t.strictSame((await admin(app, 'POST', '/videos', video)).body, failure(10400, 'body: $.downloads.audio.percentComplete: a ready download is at 100 (got 50)'))
  t.strictSame((await admin(app, 'PUT', `/videos/${video.id}`, { account: ACCOUNT, downloads: video.downloads })).body, failure(10400, 'body: $.downloads.audio.percentComplete: a ready download is at 100 (got 50)'))
  t.equal((await admin(app, 'GET', `/videos/${video.id}`)).statusCode, 404, 'no video was made')
  t.match((await downloads(t, app, VIDEOS.inProgress)).body.result.default, { status: 'inprogress', percentComplete: 40 })
})
