import { join } from 'node:path'
import t from 'tap'
import { checkFixture } from '../../../src/seed/load-fixtures.js'
import { FixtureError } from '../../../src/seed/fixture-error.js'
import { ACCOUNT, AUTH, VIDEOS, build, sharedApp } from '../../helpers/build.js'
import { startTestMock } from '../../helpers/sdk.js'

const NEW_VIDEO = 'abcdefabcdefabcdefabcdefabcdef01'

t.test('PATCH /__mock/videos/:video/lifecycle puts a video into any state, with its progression', async (t) => {
  const app = await sharedApp()
  const patch = async (video: string, payload: object): Promise<any> => await app.inject({ method: 'PATCH', url: `/__mock/videos/${video}/lifecycle`, payload })
  const inProgress = await patch(VIDEOS.empty, { state: 'inprogress', pctComplete: 40, progression: { speed: 20, holdAt: 80 } })
  t.equal(inProgress.statusCode, 200)
  t.match(inProgress.json().result.lifecycle, { state: 'inprogress', pctComplete: 40, speed: 20, holdAt: 80, model: 'time', downloadingMs: 2000, queuedMs: 1000 })
  await app.inject({ method: 'POST', url: '/__mock/clock/advance', payload: { ms: 10_000 } })
  t.match((await app.inject({ method: 'GET', url: `/__mock/videos/${VIDEOS.empty}` })).json().result.lifecycle, { state: 'inprogress', pctComplete: 80 }, 'held at 80')
  t.match((await patch(VIDEOS.empty, { progression: { holdAt: 100 } })).json().result.lifecycle, { state: 'inprogress', pctComplete: 80 }, 'the change keeps where it stands')
  await app.inject({ method: 'POST', url: '/__mock/clock/advance', payload: { ms: 1000 } })
  t.match((await app.inject({ method: 'GET', url: `/__mock/videos/${VIDEOS.empty}` })).json().result.lifecycle, { state: 'ready', pctComplete: 100 })
  const failed = await patch(VIDEOS.empty, { state: 'error', errorReasonCode: 'ERR_NON_VIDEO' })
  t.match(failed.json().result.lifecycle, { state: 'error', errorReasonCode: 'ERR_NON_VIDEO' })
  const listed = (await app.inject({ method: 'GET', url: `/__mock/videos?account=${ACCOUNT}` })).json().result.videos
  t.match(listed.find((video: { id: string }) => video.id === VIDEOS.empty), { lifecycle: { state: 'error' } }, 'the list shows the lifecycle')
  t.equal(listed.find((video: { id: string }) => video.id === VIDEOS.ready).lifecycle, undefined, 'none for a fixture video: ready since mock 0')

  const bad = await patch(VIDEOS.empty, { state: 'queued', pctComplete: 10 })
  t.same([bad.statusCode, bad.json().errors[0].message], [400, 'body.pctComplete: only an inprogress video has a pctComplete (the video is queued)'])
  t.equal((await patch('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', { state: 'ready' })).statusCode, 404)
  t.equal((await patch(VIDEOS.empty, { state: 'nope' })).statusCode, 400)
})

t.test('a change that takes a ready video with downloads out of ready: 409 naming them, unless dropDownloads', async (t) => {
  const app = await sharedApp()
  const refused = await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.ready}/lifecycle`, payload: { state: 'inprogress' } })
  t.same([refused.statusCode, refused.json().errors[0].message], [409, `video ${VIDEOS.ready} has downloads (default, audio), and a video in state inprogress has none: send "dropDownloads": true to delete them with the change`])
  t.equal((await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4` })).statusCode, 200, 'nothing changed')
  const dropped = await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.ready}/lifecycle`, payload: { state: 'inprogress', dropDownloads: true } })
  t.match(dropped.json().result, { downloads: {}, lifecycle: { state: 'inprogress', pctComplete: 0 } })
  t.equal((await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4` })).statusCode, 404)
  const keep = await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.inProgress}/lifecycle`, payload: { state: 'ready', progression: { model: 'manual' } } })
  t.equal(keep.statusCode, 200, 'a ready video keeps its downloads')
})

t.test('fixtures: a video-level state and progression; downloads on a video not ready are an error', async (t) => {
  const app = await sharedApp()
  const loaded = await app.inject({ method: 'POST', url: '/__mock/fixtures', payload: { videos: [{ id: NEW_VIDEO, account: ACCOUNT, state: 'inprogress', pctComplete: 25, progression: { model: 'polls', step: 75 }, meta: { name: 'fixture.mp4' }, creator: 'fixture', requireSignedURLs: true, duration: 30 }] } })
  t.equal(loaded.statusCode, 200)
  const read = async (): Promise<any> => (await app.inject({ method: 'GET', url: `/client/v4/accounts/${ACCOUNT}/stream/${NEW_VIDEO}`, headers: AUTH })).json().result
  t.match(await read(), { status: { state: 'ready' }, meta: { name: 'fixture.mp4' }, creator: 'fixture', requireSignedURLs: true, duration: 30 }, '25 + 75: ready at the first read')
  const refusals: Array<[object, string, string]> = [
    [{ state: 'queued', downloads: { default: { status: 'ready' } } }, '$.videos[0].downloads', 'a video in state queued has no downloads: Cloudflare makes downloads only of a ready video'],
    [{ state: 'ready', pctComplete: 10 }, '$.videos[0].pctComplete', 'only an inprogress video has a pctComplete (the video is ready)']
  ]
  for (const [fields, path, problem] of refusals) {
    const error = t.throws(() => checkFixture({ videos: [{ id: NEW_VIDEO, account: ACCOUNT, ...fields }] }, 'file.json')) as FixtureError
    t.same([error.jsonPath, error.problem], [path, problem])
  }
  const failed = await app.inject({ method: 'PUT', url: `/__mock/videos/${NEW_VIDEO}`, payload: { account: ACCOUNT, state: 'error' } })
  t.match(failed.json().result.lifecycle, { state: 'error', errorReasonCode: 'ERR_UNKNOWN' }, 'an error with no code: ERR_UNKNOWN')
  const coded = await app.inject({ method: 'PUT', url: `/__mock/videos/${NEW_VIDEO}`, payload: { account: ACCOUNT, state: 'error', progression: { errorReasonCode: 'ERR_NON_VIDEO' } } })
  t.match(coded.json().result.lifecycle, { state: 'error', errorReasonCode: 'ERR_NON_VIDEO' })
  const progressionOnly = await app.inject({ method: 'PUT', url: `/__mock/videos/${NEW_VIDEO}`, payload: { account: ACCOUNT, progression: { model: 'polls' } } })
  t.match(progressionOnly.json().result.lifecycle, { state: 'ready', model: 'polls' }, 'a progression without a state: ready')
})

t.test('the ticker writes down video transitions and releases expired reservations', async (t) => {
  const app = await build(t)
  const logged: string[] = []
  const store = app.mock.store as unknown as { log: { info: (obj: object, msg?: string) => void } }
  store.log = { ...store.log, info: (_obj, msg) => { logged.push(msg ?? '') } }
  const copy = await app.inject({ method: 'POST', url: `/client/v4/accounts/${ACCOUNT}/stream/copy`, headers: AUTH, payload: { url: 'https://example.com/a.mp4' } })
  const reserved = await app.inject({ method: 'POST', url: `/client/v4/accounts/${ACCOUNT}/stream/direct_upload`, headers: AUTH, payload: { maxDurationSeconds: 5, expiry: new Date(app.mock.store.epochMs + 5000).toISOString() } })
  t.equal(copy.statusCode, 200)
  const advanced = await app.inject({ method: 'POST', url: '/__mock/clock/advance', payload: { ms: 20_000 } })
  t.ok(advanced.json().result.transitions >= 4, 'the copy\'s transitions, the default downloads\', the expiry')
  t.ok(logged.includes('video ready'), 'video ready is logged')
  t.ok(logged.includes('direct upload expired: video deleted'))
  t.equal(app.mock.store.getVideo(reserved.json().result.uid), undefined, 'the reservation is released')
})

t.test('a copied video and a reservation survive a restart with the data file', async (t) => {
  t.saveFixture = true
  const dataFile = join(t.testdir(), 'state.json')
  const first = await startTestMock(t, { autoTick: false, config: { dataFile } })
  const copy = await fetch(`${first.apiUrl}/accounts/${ACCOUNT}/stream/copy`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.com/a.mp4', meta: { name: 'kept' } }) })
  const uid = ((await copy.json()) as { result: { uid: string } }).result.uid
  await first.clock.advance(4000)
  await first.close()
  const second = await startTestMock(t, { autoTick: false, config: { dataFile } })
  const video = await second.admin.video(uid)
  t.match(video.lifecycle, { state: 'inprogress', pctComplete: 10 }, 'where it stood, on the saved mock time')
  await second.admin.setVideoLifecycle(uid, { state: 'ready' })
  await second.close()
  const third = await startTestMock(t, { autoTick: false, config: { dataFile } })
  t.match((await third.admin.video(uid)).lifecycle, { state: 'ready' })
})
