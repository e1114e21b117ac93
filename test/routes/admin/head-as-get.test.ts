import t from 'tap'
import { AUTH, VIDEOS, build, downloadsPath } from '../../helpers/build.js'

t.test('HEAD on the admin API answers as its GET, without the body; the surface keeps HEAD apart', async (t) => {
  const app = await build(t, { autoTick: false })
  for (const path of ['/__mock/clock', `/__mock/videos/${VIDEOS.ready}`, '/__mock/', '/__mock/openapi.json']) {
    const get = await app.inject({ method: 'GET', url: path })
    const head = await app.inject({ method: 'HEAD', url: path })
    t.equal(head.statusCode, get.statusCode, `HEAD ${path}: the GET's status`)
    t.equal(head.body, '', 'no body')
    t.equal(head.headers['content-type'], get.headers['content-type'], 'the GET\'s type')
    t.equal(Number(head.headers['content-length']), Buffer.byteLength(get.body), 'and its length (RFC 9110)')
  }
  const unknown = await app.inject({ method: 'HEAD', url: '/__mock/nope' })
  t.equal(unknown.statusCode, 404, 'an unknown admin path, as for GET')

  await app.inject({ method: 'DELETE', url: '/__mock/journal' })
  const surface = await app.inject({ method: 'HEAD', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(surface.statusCode, 200)
  const journal = JSON.parse((await app.inject({ method: 'GET', url: '/__mock/journal' })).body)
  t.match(journal.result.entries.at(-1), { method: 'HEAD' }, 'a HEAD on the Cloudflare surface is journaled as HEAD')
})
