import { readFileSync } from 'node:fs'
import t from 'tap'
import { BUNDLED_ASSETS } from '../../src/paths.js'
import { ACCOUNT, AUTH, VIDEOS, downloadsPath, sharedApp } from '../helpers/build.js'

const mp4 = readFileSync(`${BUNDLED_ASSETS}/default.mp4`)
const m4a = readFileSync(`${BUNDLED_ASSETS}/audio.m4a`)

t.test('a ready download serves the bundled media without credentials', async (t) => {
  const app = await sharedApp()
  const video = await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4` })
  t.equal(video.statusCode, 200)
  t.equal(video.headers['content-type'], 'video/mp4')
  t.equal(video.headers['accept-ranges'], 'bytes')
  t.equal(video.headers['content-disposition'], `attachment; filename="${VIDEOS.ready}.mp4"`)
  t.ok(video.rawPayload.equals(mp4))
  t.equal(video.rawPayload.subarray(4, 8).toString('latin1'), 'ftyp', 'a real MP4')
  const audio = await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/audio.m4a` })
  t.equal(audio.headers['content-type'], 'audio/mp4')
  t.ok(audio.rawPayload.equals(m4a))
  const head = await app.inject({ method: 'HEAD', url: `/${VIDEOS.ready}/downloads/audio.m4a` })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.equal(Number(head.headers['content-length']), m4a.length)
})

t.test('?filename= names the file; the extension is added', async (t) => {
  const app = await sharedApp()
  const named = await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4?filename=my-video_1` })
  t.equal(named.headers['content-disposition'], 'attachment; filename="my-video_1.mp4"')
  for (const bad of ['a b', 'x'.repeat(121), '../etc', '']) {
    const res = await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4?filename=${encodeURIComponent(bad)}` })
    t.equal(res.statusCode, 400, JSON.stringify(bad))
    t.equal(res.json().success, false)
  }
})

t.test('ETag and conditional requests', async (t) => {
  const app = await sharedApp()
  const first = await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4` })
  const etag = first.headers.etag as string
  t.match(etag, /^"[\w-]+"$/)
  const again = await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4`, headers: { 'if-none-match': etag } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  // RFC 9110 §13.1.2: If-None-Match compares weakly, and `*` matches any current representation.
  for (const header of ['*', `"a", ${etag}, "b"`, `W/${etag}`, `"a",W/${etag}`]) {
    const res = await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4`, headers: { 'if-none-match': header } })
    t.equal(res.statusCode, 304, header)
    t.equal(res.body, '', `${header}: no body`)
    t.equal(res.headers.etag, etag, `${header}: the ETag is sent`)
  }
  const head = await app.inject({ method: 'HEAD', url: `/${VIDEOS.ready}/downloads/audio.m4a`, headers: { 'if-none-match': '*' } })
  t.equal(head.statusCode, 304, 'HEAD too')
  for (const header of ['"another"', '"a", "b"', etag.slice(1, -1)]) {
    const res = await app.inject({ method: 'GET', url: `/${VIDEOS.ready}/downloads/default.mp4`, headers: { 'if-none-match': header } })
    t.equal(res.statusCode, 200, `${header}: the whole file`)
    t.ok(res.rawPayload.equals(mp4))
  }
})

t.test('Range requests', async (t) => {
  const app = await sharedApp()
  const url = `/${VIDEOS.ready}/downloads/default.mp4`
  const part = await app.inject({ method: 'GET', url, headers: { range: 'bytes=0-99' } })
  t.equal(part.statusCode, 206)
  t.equal(part.headers['content-range'], `bytes 0-99/${mp4.length}`)
  t.ok(part.rawPayload.equals(mp4.subarray(0, 100)))
  const tail = await app.inject({ method: 'GET', url, headers: { range: 'bytes=-10' } })
  t.ok(tail.rawPayload.equals(mp4.subarray(mp4.length - 10)))
  const bad = await app.inject({ method: 'GET', url, headers: { range: `bytes=${mp4.length}-` } })
  t.equal(bad.statusCode, 416)
  t.equal(bad.headers['content-range'], `bytes */${mp4.length}`)
  t.equal(bad.json().errors[0].code, 10416)
  const stale = await app.inject({ method: 'GET', url, headers: { range: 'bytes=0-9', 'if-range': '"another-version"' } })
  t.equal(stale.statusCode, 200, 'If-Range naming another version gets the whole file')
  const etag = part.headers.etag as string
  const current = await app.inject({ method: 'GET', url, headers: { range: 'bytes=0-9', 'if-range': etag } })
  t.equal(current.statusCode, 206)
  const weak = await app.inject({ method: 'GET', url, headers: { range: 'bytes=0-9', 'if-range': `W/${etag}` } })
  t.equal(weak.statusCode, 200, 'If-Range compares strongly: a weak tag gets the whole file')
  t.ok(weak.rawPayload.equals(mp4))
})

t.test('404 envelope before ready, after deletion, and for unknown or malformed ids', async (t) => {
  const app = await sharedApp()
  const notReady = await app.inject({ method: 'GET', url: `/${VIDEOS.inProgress}/downloads/default.mp4` })
  t.equal(notReady.statusCode, 404)
  t.same(notReady.json(), { result: null, success: false, errors: [{ code: 10003, message: 'Download not found or not ready' }], messages: [] })
  app.mock.clock.advance(10_000)
  const ready = await app.inject({ method: 'GET', url: `/${VIDEOS.inProgress}/downloads/default.mp4` })
  t.equal(ready.statusCode, 200, 'served once the ticker made it ready')
  await app.inject({ method: 'DELETE', url: downloadsPath(VIDEOS.inProgress, ACCOUNT), headers: AUTH })
  const deleted = await app.inject({ method: 'GET', url: `/${VIDEOS.inProgress}/downloads/default.mp4` })
  t.equal(deleted.statusCode, 404)
  const noAudio = await app.inject({ method: 'GET', url: `/${VIDEOS.inProgress}/downloads/audio.m4a` })
  t.equal(noAudio.statusCode, 404)
  const errored = await app.inject({ method: 'GET', url: `/${VIDEOS.failed}/downloads/default.mp4` })
  t.equal(errored.statusCode, 404)
  for (const url of ['/not-an-id/downloads/default.mp4', `/${'e'.repeat(32)}/downloads/default.mp4`, `/${VIDEOS.ready}/downloads/..%2f..%2fpackage.json`, `/${VIDEOS.ready}/downloads/other.mp4`]) {
    const res = await app.inject({ method: 'GET', url })
    t.ok(res.statusCode === 404 || res.statusCode === 400, url)
    t.equal(res.json().success, false)
  }
})
