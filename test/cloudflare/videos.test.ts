import { Readable } from 'node:stream'
import t from 'tap'
import { UPLOAD_LIMIT } from '../../src/routes/delivery.js'
import { api } from '../helpers/api.js'
import { ACCOUNT, AUTH, OTHER_ACCOUNT, UNKNOWN_VIDEO, VIDEOS, build, downloadsPath, sharedApp } from '../helpers/build.js'

const STREAM = `/client/v4/accounts/${ACCOUNT}/stream`
const JSON_HEADERS = { ...AUTH, 'content-type': 'application/json' }
const BOUNDARY = 'mockboundary'
const MULTIPART = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }
const file = (content = 'not really a video'): string =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n${content}\r\n--${BOUNDARY}--\r\n`

async function advance (app: Awaited<ReturnType<typeof sharedApp>>, ms: number, account?: string): Promise<void> {
  const answer = await app.inject({ method: 'POST', url: '/__mock/clock/advance', payload: { ms, ...(account === undefined ? {} : { account }) } })
  if (answer.statusCode !== 200) throw new Error(answer.body)
}

t.test('copy: downloading, queued, inprogress with pctComplete rising, ready; every field consistent with the state', async (t) => {
  const app = await sharedApp()
  const copy = await api(t, app, { method: 'POST', url: `${STREAM}/copy`, headers: { ...JSON_HEADERS, 'upload-creator': 'creator-1' }, payload: { url: 'https://example.com/clip.mp4', meta: { name: 'clip' }, requireSignedURLs: true, allowedOrigins: ['example.com'], thumbnailTimestampPct: 0.5 } })
  t.equal(copy.statusCode, 200)
  const video = copy.body.result
  t.match(video, {
    uid: /^[0-9a-f]{32}$/,
    readyToStream: false,
    readyToStreamAt: null,
    status: { state: 'downloading', pctComplete: '0.000000', errorReasonCode: '', errorReasonText: '' },
    duration: -1,
    input: { width: -1, height: -1 },
    size: 0,
    creator: 'creator-1',
    meta: { name: 'clip', 'downloaded-from': 'https://example.com/clip.mp4' },
    requireSignedURLs: true,
    allowedOrigins: ['example.com'],
    thumbnailTimestampPct: 0.5,
    uploadExpiry: null,
    scheduledDeletion: null,
    watermark: null,
    maxDurationSeconds: null,
    thumbnail: `http://localhost:80/${video.uid as string}/thumbnails/thumbnail.jpg`,
    playback: { hls: `http://localhost:80/${video.uid as string}/manifest/video.m3u8` }
  })
  t.equal(video.created, video.uploaded)
  const states: string[] = []
  for (const ms of [2000, 1000, 4000, 6000]) {
    await advance(app, ms)
    const { body } = await api(t, app, { method: 'GET', url: `${STREAM}/${video.uid as string}`, headers: AUTH })
    states.push(`${body.result.status.state as string} ${body.result.status.pctComplete as string}`)
  }
  t.same(states, ['queued 0.000000', 'inprogress 0.000000', 'inprogress 40.000000', 'ready 100.000000'])
  const { body } = await api(t, app, { method: 'GET', url: `${STREAM}/${video.uid as string}`, headers: AUTH })
  t.match(body.result, { readyToStream: true, duration: 2, input: { width: 160, height: 90 }, size: 15106 })
  t.equal(Date.parse(body.result.readyToStreamAt) - Date.parse(body.result.created), 13_000, 'ready 13 s of mock time after the copy')
  t.equal(app.mock.store.getVideo(video.uid)?.lifecycle?.state, 'ready')
})

t.test('copy: input or the deprecated url, and what is refused', async (t) => {
  const app = await sharedApp()
  const byInput = await api(t, app, { method: 'POST', url: `${STREAM}/copy`, headers: JSON_HEADERS, payload: { input: 'http://example.com/a.mp4', name: 'legacy', creator: 'body-creator' } })
  t.match(byInput.body.result, { meta: { name: 'legacy', 'downloaded-from': 'http://example.com/a.mp4' }, creator: 'body-creator' })
  const cases: Array<[object, string]> = [
    [{}, 'body.input: a copy needs the video\'s url, in input (or the deprecated url)'],
    [{ url: 'ftp://example.com/a.mp4' }, 'body.url: expected an http or https url (got "ftp://example.com/a.mp4")'],
    [{ input: 'https://exa mple.com/' }, 'body.input: expected an http or https url (got "https://exa mple.com/")'],
    [{ url: 'https://example.com/', meta: { big: 'x'.repeat(20_000) } }, 'body.meta: at most 16384 bytes of JSON'],
    [{ url: 'https://example.com/', scheduledDeletion: 'soon' }, 'body.scheduledDeletion: expected an RFC 3339 date-time (got "soon")']
  ]
  for (const [payload, message] of cases) {
    const refused = await api(t, app, { method: 'POST', url: `${STREAM}/copy`, headers: JSON_HEADERS, payload })
    t.equal(refused.statusCode, 400, message)
    t.equal(refused.body.errors[0].message, message)
  }
  const unknown = await api(t, app, { method: 'POST', url: `/client/v4/accounts/${OTHER_ACCOUNT}/stream/copy`, headers: JSON_HEADERS, payload: { url: 'https://example.com/' } })
  t.same([unknown.statusCode, unknown.body.errors[0].code], [404, 10003], 'an unknown account is the account 404')
  const scheduled = await api(t, app, { method: 'POST', url: `${STREAM}/copy`, headers: JSON_HEADERS, payload: { url: 'https://example.com/', scheduledDeletion: '2030-01-01T00:00:00.000Z' } })
  t.equal(scheduled.body.result.scheduledDeletion, '2030-01-01T00:00:00.000Z')
})

t.test('a copy that fails: error with ERR_FETCH_ORIGIN_ERROR, no downloads, media 424', async (t) => {
  const app = await sharedApp()
  const { body } = await api(t, app, { method: 'POST', url: `${STREAM}/copy`, headers: JSON_HEADERS, payload: { url: 'https://example.com/gone.mp4' } })
  const uid = body.result.uid as string
  await app.inject({ method: 'PATCH', url: `/__mock/videos/${uid}/lifecycle`, payload: { progression: { failAt: 'downloading' } } })
  await advance(app, 5000)
  const failed = await api(t, app, { method: 'GET', url: `${STREAM}/${uid}`, headers: AUTH })
  t.match(failed.body.result.status, { state: 'error', errorReasonCode: 'ERR_FETCH_ORIGIN_ERROR', errorReasonText: 'The video failed to download from the URL.' })
  t.equal(failed.body.result.readyToStream, false)
  const download = await api(t, app, { method: 'POST', url: downloadsPath(uid), headers: AUTH })
  t.same([download.statusCode, download.body.errors[0]], [409, { code: 10409, message: 'The video is in error (ERR_FETCH_ORIGIN_ERROR); it has no downloads' }])
  for (const url of [`/${uid}/downloads/default.mp4`, `/${uid}/thumbnails/thumbnail.jpg`]) {
    const media = await app.inject({ method: 'GET', url })
    t.same([media.statusCode, media.json().errors[0].code], [424, 10424], url)
  }
})

t.test('a download requested before the video is ready: 409 10409, then created once it is', async (t) => {
  const app = await sharedApp()
  const { body } = await api(t, app, { method: 'POST', url: `${STREAM}/copy`, headers: JSON_HEADERS, payload: { url: 'https://example.com/a.mp4' } })
  const uid = body.result.uid as string
  const early = await api(t, app, { method: 'POST', url: downloadsPath(uid), headers: AUTH })
  t.same([early.statusCode, early.body.errors], [409, [{ code: 10409, message: 'The video is not ready to stream (state: downloading); a download can be created once it is ready' }]])
  t.same((await api(t, app, { method: 'GET', url: downloadsPath(uid), headers: AUTH })).body.result, {}, 'no download was made')
  t.equal((await app.inject({ method: 'GET', url: `/${uid}/downloads/default.mp4` })).statusCode, 404, 'its media are a 404 as any download not ready')
  await advance(app, 13_000)
  t.equal((await api(t, app, { method: 'POST', url: downloadsPath(uid), headers: AUTH })).statusCode, 200)
})

t.test('details: fixture videos are ready since mock 0; polls videos move on GET only', async (t) => {
  const app = await sharedApp()
  const ready = await api(t, app, { method: 'GET', url: `${STREAM}/${VIDEOS.ready}`, headers: AUTH })
  t.match(ready.body.result, { uid: VIDEOS.ready, readyToStream: true, status: { state: 'ready', pctComplete: '100.000000' }, creator: null, meta: {} })
  t.equal(ready.body.result.readyToStreamAt, new Date(app.mock.store.epochMs).toISOString())
  const root = await api(t, app, { method: 'GET', url: `/accounts/${ACCOUNT}/stream/${VIDEOS.ready}`, headers: AUTH })
  t.equal(root.statusCode, 200, 'served at the root too')
  await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.empty}/lifecycle`, payload: { state: 'downloading', progression: { model: 'polls', step: 50 } } })
  const seen: string[] = []
  for (let read = 0; read < 5; read++) {
    const { body } = await api(t, app, { method: 'GET', url: `${STREAM}/${VIDEOS.empty}`, headers: AUTH })
    seen.push(`${body.result.status.state as string} ${body.result.status.pctComplete as string}`)
    await app.inject({ method: 'HEAD', url: `${STREAM}/${VIDEOS.empty}`, headers: AUTH })
    await api(t, app, { method: 'GET', url: `${STREAM}`, headers: AUTH })
  }
  t.same(seen, ['queued 0.000000', 'inprogress 0.000000', 'inprogress 50.000000', 'ready 100.000000', 'ready 100.000000'], 'a HEAD and the list are not reads')
  const unknown = await api(t, app, { method: 'GET', url: `${STREAM}/${UNKNOWN_VIDEO}`, headers: AUTH })
  t.same([unknown.statusCode, unknown.body.errors[0].message], [404, 'Video not found'])
  const otherAccount = await api(t, app, { method: 'GET', url: `/client/v4/accounts/${OTHER_ACCOUNT}/stream/${VIDEOS.ready}`, headers: AUTH })
  t.same([otherAccount.statusCode, otherAccount.body.errors[0].message], [404, 'Account not found'])
})

t.test('admission: the downloads\' order of checks on the video paths', async (t) => {
  const app = await sharedApp()
  const cases: Array<[string, string, number, number]> = [
    ['GET', '/client/v4/accounts/nope/stream', 400, 7003],
    ['GET', `${STREAM}/not-an-id`, 400, 7003],
    ['PUT', `${STREAM}/${VIDEOS.ready}`, 405, 10000],
    ['POST', STREAM, 405, 10000],
    ['GET', `${STREAM}/copy`, 405, 10000],
    ['GET', `${STREAM}/direct_upload`, 405, 10000]
  ]
  for (const [method, url, status, code] of cases) {
    const answer = await api(t, app, { method, url, headers: AUTH })
    t.same([answer.statusCode, answer.body.errors[0].code], [status, code], `${method} ${url}`)
  }
  t.equal((await app.inject({ method: 'POST', url: STREAM, headers: AUTH })).headers.allow, 'GET, HEAD')
  const anonymous = await api(t, app, { method: 'GET', url: STREAM })
  t.same([anonymous.statusCode, anonymous.body.errors[0].code], [400, 9106])
  const forced = await api(t, app, { method: 'GET', url: STREAM, headers: { ...AUTH, prefer: 'code=503' } })
  t.equal(forced.statusCode, 503)
  const journal = await app.inject({ method: 'GET', url: `/__mock/journal?account=${ACCOUNT}` })
  t.ok(journal.json().result.entries.length >= cases.length, 'journaled')
})

t.test('list: the filters and paging of the contract', async (t) => {
  const app = await sharedApp()
  const make = async (payload: object, headers: object = {}): Promise<string> => {
    const { body } = await api(t, app, { method: 'POST', url: `${STREAM}/copy`, headers: { ...JSON_HEADERS, ...headers }, payload: { url: 'https://example.com/v.mp4', ...payload } })
    return body.result.uid
  }
  await advance(app, 1000)
  const first = await make({ meta: { name: 'Puppy.mp4' } }, { 'upload-creator': 'alice' })
  await advance(app, 1000)
  const second = await make({ meta: { name: 'kitten.mp4' } })
  const list = async (query: string): Promise<any> => await api(t, app, { method: 'GET', url: `${STREAM}${query}`, headers: AUTH })
  const uids = async (query: string): Promise<string[]> => (await list(query)).body.result.map((video: { uid: string }) => video.uid)
  const all = await uids('')
  t.equal(all.length, 8, 'the six fixture videos and the two copies')
  t.same(all.slice(0, 2), [second, first], 'newest first')
  t.same((await uids('?asc=true')).slice(-2), [first, second], 'asc: oldest first')
  t.same(await uids('?creator=alice'), [first])
  t.same(await uids('?search=PUP'), [first], 'search: a substring of meta.name, in any case')
  t.same(await uids('?video_name=kitten.mp4'), [second])
  t.same(await uids(`?id=${first},${VIDEOS.ready}`), [first, VIDEOS.ready])
  t.same(await uids(`?name=kitten.mp4,${VIDEOS.failed}`), [second, VIDEOS.failed])
  t.same(await uids('?status=downloading'), [second, first])
  t.same((await uids('?status=ready,error')).length, 6)
  t.same(await uids('?type=live'), [])
  t.same(await uids('?live_input_id=abc'), [])
  t.same((await uids('?type=vod')).length, 8)
  const epoch = app.mock.store.epochMs
  t.same(await uids(`?start=${new Date(epoch + 1500).toISOString()}`), [second])
  t.same(await uids(`?after=${new Date(epoch + 1000).toISOString()}&before=${new Date(epoch + 2000).toISOString()}`), [first])
  t.same((await uids(`?end=${new Date(epoch + 1).toISOString()}`)).length, 6)
  const counted = await list('?include_counts=true&limit=3')
  t.same([counted.body.result.length, counted.body.total, counted.body.range], [3, 8, 3])
  t.equal((await list('')).body.total, undefined, 'counts only when asked')
  const badStatus = await list('?status=ready,nope')
  t.same([badStatus.statusCode, badStatus.body.errors[0].code], [400, 10400])
  t.equal((await list('?start=yesterday')).statusCode, 400)
  t.equal((await list('?limit=1001')).statusCode, 400)
  t.equal((await api(t, app, { method: 'GET', url: `/client/v4/accounts/${OTHER_ACCOUNT}/stream`, headers: AUTH })).statusCode, 404)
})

t.test('edit: the fields given change, modified moves on', async (t) => {
  const app = await sharedApp()
  await advance(app, 5000)
  const url = `${STREAM}/${VIDEOS.ready}`
  const edited = await api(t, app, { method: 'POST', url, headers: JSON_HEADERS, payload: { uid: VIDEOS.ready, meta: { name: 'renamed' }, creator: 'bob', requireSignedURLs: true, allowedOrigins: ['a.example'], thumbnailTimestampPct: 0.25, scheduledDeletion: '2031-02-03T04:05:06.000Z', maxDurationSeconds: 60, publicDetails: { title: 'x' } } })
  t.match(edited.body.result, { meta: { name: 'renamed' }, creator: 'bob', requireSignedURLs: true, allowedOrigins: ['a.example'], thumbnailTimestampPct: 0.25, scheduledDeletion: '2031-02-03T04:05:06.000Z', maxDurationSeconds: 60 })
  t.equal(Date.parse(edited.body.result.modified) - Date.parse(edited.body.result.created), 5000)
  const cleared = await api(t, app, { method: 'POST', url, headers: JSON_HEADERS, payload: { scheduledDeletion: null, creator: null } })
  t.match(cleared.body.result, { scheduledDeletion: null, creator: null, meta: { name: 'renamed' }, requireSignedURLs: true })
  const other = await api(t, app, { method: 'POST', url, headers: JSON_HEADERS, payload: { uid: VIDEOS.failed } })
  t.same([other.statusCode, other.body.errors[0].message], [400, `body.uid: names another video than the path's ${VIDEOS.ready}`])
  t.equal((await api(t, app, { method: 'POST', url, headers: JSON_HEADERS, payload: { meta: { big: 'x'.repeat(20_000) } } })).statusCode, 400)
  t.equal((await api(t, app, { method: 'POST', url, headers: JSON_HEADERS, payload: { thumbnailTimestampPct: 2 } })).statusCode, 400)
  t.equal((await api(t, app, { method: 'POST', url: `${STREAM}/${UNKNOWN_VIDEO}`, headers: JSON_HEADERS, payload: {} })).statusCode, 404)
})

t.test('delete: the video and its downloads go; its media urls answer 404 after', async (t) => {
  const app = await sharedApp()
  t.equal((await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4` })).statusCode, 200)
  const deleted = await api(t, app, { method: 'DELETE', url: `${STREAM}/${VIDEOS.ready}`, headers: AUTH })
  t.same([deleted.statusCode, deleted.body.result], [200, 'ok'])
  t.equal((await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4` })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/thumbnails/thumbnail.jpg` })).statusCode, 404)
  t.equal((await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })).statusCode, 404)
  t.equal((await api(t, app, { method: 'DELETE', url: `${STREAM}/${VIDEOS.ready}`, headers: AUTH })).statusCode, 404, 'a second delete: the video is gone')
})

t.test('direct upload: a reservation, a multipart POST to its url, queued, ready', async (t) => {
  const app = await sharedApp()
  const reserved = await api(t, app, { method: 'POST', url: `${STREAM}/direct_upload`, headers: { ...JSON_HEADERS, 'upload-creator': 'uploader' }, payload: { maxDurationSeconds: 60, meta: { name: 'mine' } } })
  t.equal(reserved.statusCode, 200)
  const { uid, uploadURL } = reserved.body.result
  t.equal(uploadURL, `http://localhost:80/upload/${uid as string}`)
  const details = await api(t, app, { method: 'GET', url: `${STREAM}/${uid as string}`, headers: AUTH })
  t.match(details.body.result, { status: { state: 'pendingupload' }, creator: 'uploader', maxDurationSeconds: 60, size: 0 })
  t.equal(Date.parse(details.body.result.uploadExpiry) - Date.parse(details.body.result.created), 30 * 60 * 1000, 'expires in 30 minutes by default')
  const path = new URL(uploadURL).pathname
  const preflight = await app.inject({ method: 'OPTIONS', url: path, headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } })
  t.same([preflight.statusCode, preflight.headers['access-control-allow-origin'], preflight.headers['access-control-allow-methods']], [204, '*', 'POST, OPTIONS'])
  await advance(app, 1000)
  const upload = await app.inject({ method: 'POST', url: path, headers: MULTIPART, payload: file() })
  t.same([upload.statusCode, upload.headers['access-control-allow-origin']], [200, '*'])
  t.equal(upload.json().result.bytes, Buffer.byteLength(file()))
  const queued = await api(t, app, { method: 'GET', url: `${STREAM}/${uid as string}`, headers: AUTH })
  t.match(queued.body.result, { status: { state: 'queued' }, uploadExpiry: null, size: Buffer.byteLength(file()) })
  t.equal(Date.parse(queued.body.result.uploaded) - Date.parse(queued.body.result.created), 1000)
  const again = await app.inject({ method: 'POST', url: path, headers: MULTIPART, payload: file() })
  t.same([again.statusCode, again.json().errors[0].code], [409, 10409], 'a one-time url')
  await advance(app, 11_000)
  t.equal((await api(t, app, { method: 'GET', url: `${STREAM}/${uid as string}`, headers: AUTH })).body.result.status.state, 'ready')
})

t.test('direct upload: maxDurationSeconds, expiry, and bad uploads', async (t) => {
  const app = await sharedApp()
  const reserve = async (payload: object): Promise<any> => await api(t, app, { method: 'POST', url: `${STREAM}/direct_upload`, headers: JSON_HEADERS, payload })
  const short = (await reserve({ maxDurationSeconds: 1 })).body.result
  await app.inject({ method: 'POST', url: new URL(short.uploadURL).pathname, headers: MULTIPART, payload: file() })
  const tooLong = await api(t, app, { method: 'GET', url: `${STREAM}/${short.uid as string}`, headers: AUTH })
  t.match(tooLong.body.result.status, { state: 'error', errorReasonCode: 'ERR_DURATION_EXCEED_CONSTRAINT' }, 'the bundled 2 s video is over 1 s')
  t.equal((await reserve({})).statusCode, 400, 'maxDurationSeconds is required')
  t.equal((await reserve({ maxDurationSeconds: 36_001 })).statusCode, 400)
  t.equal((await reserve({ maxDurationSeconds: 10, expiry: 'later' })).statusCode, 400)
  const past = await reserve({ maxDurationSeconds: 10, expiry: new Date(app.mock.store.epochMs - 1000).toISOString() })
  t.match(past.body.errors[0].message, /^body\.expiry: must be after now/)
  const expiring = (await reserve({ maxDurationSeconds: 10, expiry: new Date(app.mock.store.epochMs + 60_000).toISOString() })).body.result
  await advance(app, 60_000)
  t.equal((await api(t, app, { method: 'GET', url: `${STREAM}/${expiring.uid as string}`, headers: AUTH })).statusCode, 404, 'released at its expiry')
  t.equal((await app.inject({ method: 'POST', url: new URL(expiring.uploadURL).pathname, headers: MULTIPART, payload: file() })).statusCode, 404)
  const open = (await reserve({ maxDurationSeconds: 10 })).body.result
  const path = new URL(open.uploadURL).pathname
  const text = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'text/plain' }, payload: 'x' })
  t.equal(text.statusCode, 415, 'not multipart')
  // Found by the fuzz: a JSON body was parsed as JSON, and the upload of no counted bytes was a 500.
  const json = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: '{"a":1}' })
  t.same([json.statusCode, json.json().errors[0].error_chain[0].code], [415, 6106])
  t.match(json.json().errors[0].error_chain[0].message, /a direct upload is multipart\/form-data/)
  t.match((await api(t, app, { method: 'GET', url: `${STREAM}/${open.uid as string}`, headers: AUTH })).body.result.status, { state: 'pendingupload' }, 'still waiting for its upload')
  const empty = await app.inject({ method: 'POST', url: path, headers: MULTIPART, payload: '' })
  t.same([empty.statusCode, empty.json().errors[0].code], [400, 10400])
  const none = await app.inject({ method: 'POST', url: path })
  t.equal(none.statusCode, 400)
  for (const url of ['/upload/nope', `/upload/${UNKNOWN_VIDEO}`, `/upload/${VIDEOS.ready}`]) {
    t.equal((await app.inject({ method: 'POST', url, headers: MULTIPART, payload: file() })).statusCode, url.endsWith(VIDEOS.ready) ? 409 : 404, url)
  }
})

t.test('direct upload: past 200 MB, a 413, the upload streamed and never held', async (t) => {
  const app = await sharedApp()
  const { uploadURL } = (await api(t, app, { method: 'POST', url: `${STREAM}/direct_upload`, headers: JSON_HEADERS, payload: { maxDurationSeconds: 10 } })).body.result
  const chunk = Buffer.alloc(1024 * 1024)
  let sent = 0
  const body = new Readable({
    read () {
      if (sent > UPLOAD_LIMIT) return this.push(null)
      sent += chunk.length
      this.push(chunk)
    }
  })
  const answer = await app.inject({ method: 'POST', url: new URL(uploadURL).pathname, headers: MULTIPART, payload: body })
  t.same([answer.statusCode, answer.json().errors[0].code], [413, 10413])
})

t.test('the video bound counts copies and direct uploads: 413 past it', async (t) => {
  const app = await build(t, { config: { maxVideos: 7 } })
  t.equal((await api(t, app, { method: 'POST', url: `${STREAM}/copy`, headers: JSON_HEADERS, payload: { url: 'https://example.com/' } })).statusCode, 200)
  for (const [url, payload] of [[`${STREAM}/copy`, { url: 'https://example.com/' }], [`${STREAM}/direct_upload`, { maxDurationSeconds: 5 }]] as const) {
    const full = await api(t, app, { method: 'POST', url, headers: JSON_HEADERS, payload })
    t.same([full.statusCode, full.body.errors[0].code], [413, 10413], url)
  }
})

t.test('MOCK_AUTO_CREATE: any account exists, and a copy brings it in', async (t) => {
  const app = await build(t, { config: { autoCreate: 'on' } })
  const empty = await api(t, app, { method: 'GET', url: `/client/v4/accounts/${OTHER_ACCOUNT}/stream`, headers: AUTH })
  t.same([empty.statusCode, empty.body.result], [200, []])
  const copy = await api(t, app, { method: 'POST', url: `/client/v4/accounts/${OTHER_ACCOUNT}/stream/copy`, headers: JSON_HEADERS, payload: { url: 'https://example.com/' } })
  t.equal(copy.statusCode, 200)
  const fresh = await api(t, app, { method: 'GET', url: `/client/v4/accounts/${OTHER_ACCOUNT}/stream/${UNKNOWN_VIDEO}`, headers: AUTH })
  t.match(fresh.body.result, { uid: UNKNOWN_VIDEO, status: { state: 'ready' } }, 'auto-created videos are ready')
})

t.test('delivery: thumbnail, preflights, manifests and preview out of scope', async (t) => {
  const app = await sharedApp()
  const thumbnail = await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/thumbnails/thumbnail.jpg` })
  t.same([thumbnail.statusCode, thumbnail.headers['content-type'], thumbnail.rawPayload.subarray(0, 2).toString('hex')], [200, 'image/jpeg', 'ffd8'])
  t.equal((await app.inject({ method: 'GET', url: '/nope/thumbnails/thumbnail.jpg' })).statusCode, 404)
  for (const url of [`/${VIDEOS.ready}/downloads/default.mp4`, `/${VIDEOS.ready}/downloads/audio.m4a`, `/${VIDEOS.ready}/thumbnails/thumbnail.jpg`]) {
    const preflight = await app.inject({ method: 'OPTIONS', url })
    t.same([preflight.statusCode, preflight.headers['access-control-allow-methods']], [204, 'GET, HEAD, OPTIONS'], url)
  }
  t.equal((await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4` })).headers['access-control-allow-origin'], '*')
  for (const url of [`/${VIDEOS.ready}/manifest/video.m3u8`, `/${VIDEOS.ready}/manifest/video.mpd`, `/${VIDEOS.ready}/watch`]) {
    const answer = await app.inject({ method: 'GET', url })
    t.same([answer.statusCode, answer.json().errors[0].code], [404, 10404], url)
  }
})

t.test('bounds and branches: auto-create past the bound, reservations with options, the prefix', async (t) => {
  const app = await build(t, { config: { maxVideos: 6, autoCreate: 'on' } })
  const full = await api(t, app, { method: 'GET', url: `${STREAM}/${UNKNOWN_VIDEO}`, headers: AUTH })
  t.same([full.statusCode, full.body.errors[0].code], [409, 10409], 'auto-create past the bound')
  await app.inject({ method: 'DELETE', url: `/__mock/videos/${VIDEOS.failed}` })
  const reserved = await api(t, app, { method: 'POST', url: `${STREAM}/direct_upload`, headers: JSON_HEADERS, payload: { maxDurationSeconds: 5, requireSignedURLs: true, scheduledDeletion: '2035-01-01T00:00:00.000Z' } })
  t.equal(reserved.body.result.scheduledDeletion, '2035-01-01T00:00:00.000Z')
  t.match((await api(t, app, { method: 'GET', url: `${STREAM}/${reserved.body.result.uid as string}`, headers: AUTH })).body.result, { requireSignedURLs: true })
  t.equal((await api(t, app, { method: 'GET', url: `${STREAM}?limit=1`, headers: AUTH })).statusCode, 200, '/stream?… is mapped under the prefix')
  t.equal((await app.inject({ method: 'GET', url: `/client/v4/accounts/${ACCOUNT}/streams`, headers: AUTH })).statusCode, 400, '/streams is not /stream')
  t.equal((await app.inject({ method: 'GET', url: `/client/v4/accounts/${ACCOUNT}/other`, headers: AUTH })).statusCode, 400)
})

t.test('a reservation that ran out before the ticker saw it: released at the next lookup', async (t) => {
  const app = await build(t, { config: { autoCreate: 'on' } })
  const reserve = async (account: string): Promise<string> => (await api(t, app, { method: 'POST', url: `/client/v4/accounts/${account}/stream/direct_upload`, headers: JSON_HEADERS, payload: { maxDurationSeconds: 5, expiry: new Date(app.mock.store.epochMs + 1000).toISOString() } })).body.result.uid
  const alone = await reserve(OTHER_ACCOUNT)
  const beside = await reserve(ACCOUNT)
  // The clock moves on without settling what came due, as between two ticks.
  app.mock.store.clocks.tick(5000)
  t.notOk((await api(t, app, { method: 'GET', url: `${STREAM}?status=pendingupload`, headers: AUTH })).body.result.length, 'not listed')
  const gone = await api(t, app, { method: 'GET', url: `${STREAM}/${beside}`, headers: AUTH })
  t.same([gone.statusCode, gone.body.errors[0].message], [404, 'Video not found'])
  const account = await api(t, app, { method: 'GET', url: `/client/v4/accounts/${OTHER_ACCOUNT}/stream/${alone}`, headers: AUTH })
  t.same([account.statusCode, account.body.errors[0].message], [404, 'Account not found'], 'its account held nothing else')
})

t.test('uploads: the video\'s own duration against its maxDurationSeconds; a reservation gone while the upload streamed', async (t) => {
  const app = await sharedApp()
  await app.inject({ method: 'PUT', url: `/__mock/videos/${VIDEOS.empty}`, payload: { account: ACCOUNT, state: 'pendingupload', duration: 30 } })
  t.equal((await app.inject({ method: 'POST', url: `/upload/${VIDEOS.empty}`, headers: MULTIPART, payload: file() })).statusCode, 200, 'no maxDurationSeconds: any duration')
  t.equal((await api(t, app, { method: 'GET', url: `${STREAM}/${VIDEOS.empty}`, headers: AUTH })).body.result.status.state, 'queued')
  await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.empty}/lifecycle`, payload: { state: 'pendingupload' } })
  await api(t, app, { method: 'POST', url: `${STREAM}/${VIDEOS.empty}`, headers: JSON_HEADERS, payload: { maxDurationSeconds: 10 } })
  await app.inject({ method: 'POST', url: `/upload/${VIDEOS.empty}`, headers: MULTIPART, payload: file() })
  t.match((await api(t, app, { method: 'GET', url: `${STREAM}/${VIDEOS.empty}`, headers: AUTH })).body.result.status, { state: 'error', errorReasonCode: 'ERR_DURATION_EXCEED_CONSTRAINT' }, '30 s is over 10 s')

  for (const [name, meanwhile] of [['deleted', () => app.mock.store.deleteVideo(VIDEOS.failed)], ['moved on', () => { app.mock.store.setVideoLife(VIDEOS.failed, { state: 'queued', dropDownloads: true }) }]] as const) {
    await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.failed}/lifecycle`, payload: { state: 'pendingupload', dropDownloads: true } })
    let first = true
    const body = new Readable({
      read () {
        if (!first) return this.push(null)
        first = false
        meanwhile()
        this.push(file())
      }
    })
    const late = await app.inject({ method: 'POST', url: `/upload/${VIDEOS.failed}`, headers: MULTIPART, payload: body })
    t.equal(late.statusCode, 404, `the reservation ${name} while the upload streamed`)
    if (name === 'deleted') await app.inject({ method: 'POST', url: '/__mock/reset' })
  }
})

t.test('a polls video held in a timed state does not move on reads', async (t) => {
  const app = await sharedApp()
  await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.empty}/lifecycle`, payload: { state: 'downloading', progression: { model: 'polls', holdAt: 'downloading' } } })
  const revision = app.mock.store.revision
  await api(t, app, { method: 'GET', url: `${STREAM}/${VIDEOS.empty}`, headers: AUTH })
  t.equal(app.mock.store.revision, revision, 'nothing written')
  t.equal((await api(t, app, { method: 'GET', url: `${STREAM}/${VIDEOS.empty}`, headers: AUTH })).body.result.status.state, 'downloading')
})
