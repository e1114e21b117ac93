import { request } from 'node:http'
import t from 'tap'
import { startMock } from '../src/index.js'
import { VIDEOS, downloadsPath } from './helpers/build.js'
import { AUTHORIZATION, CONTENT_TYPE, ETAGS, FILENAME, HOST, PATH, PREFER, QUERY, RANGE, X_AUTH, type Cases } from './helpers/hostile-input.js'

// Each worst-case 16 KB header goes to a real server while another client asks for /healthz: a
// parser that blocked the event loop would hold the health check up until it was done. Nothing
// here measures time (the bench does): the test only asserts that both get their answers, the
// attack an envelope, whatever the machine's speed.

interface Answer { status: number, body: string }

/** One request on a connection of its own. */
async function send (port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => { text += chunk.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** An attack: where the hostile text goes. */
interface Attack {
  name: string
  method?: string
  path: string
  headers: Record<string, string>
  body?: string
}

const list = downloadsPath(VIDEOS.ready)
const media = `/${VIDEOS.ready}/downloads/default.mp4`
const auth = { authorization: 'Bearer t' }

/** One attack per case, the text in the header (or path) that `place` makes. */
function attacks (group: string, cases: Cases, place: (input: string) => Omit<Attack, 'name'>): Attack[] {
  return Object.entries(cases).map(([name, input]) => ({ name: `${group}: ${name}`, ...place(input) }))
}

const ALL: Attack[] = [
  ...attacks('Prefer', PREFER, (prefer) => ({ path: list, headers: { ...auth, prefer } })),
  ...attacks('Authorization', AUTHORIZATION, (authorization) => ({ path: list, headers: { authorization } })),
  ...attacks('X-Auth-Email and X-Auth-Key', X_AUTH, (value) => ({ path: list, headers: { 'x-auth-email': value.slice(0, 8000), 'x-auth-key': value.slice(0, 8000) } })),
  ...attacks('X-Mock-Admin-Token', X_AUTH, (token) => ({ path: '/__mock/journal?limit=1', headers: { 'x-mock-admin-token': token } })),
  ...attacks('Range', RANGE, (range) => ({ path: media, headers: { range } })),
  ...attacks('If-None-Match', ETAGS, (etags) => ({ path: media, headers: { 'if-none-match': etags } })),
  ...attacks('If-Range', ETAGS, (etags) => ({ path: media, headers: { range: 'bytes=0-9', 'if-range': etags } })),
  ...attacks('Host', HOST, (host) => ({ path: list, headers: { ...auth, host } })),
  ...attacks('Content-Type', CONTENT_TYPE, (contentType) => ({ method: 'POST', path: downloadsPath(VIDEOS.empty), headers: { ...auth, 'content-type': contentType }, body: '{}' })),
  ...attacks('filename', FILENAME, (filename) => ({ path: `${media}?filename=${filename}`, headers: {} })),
  ...attacks('query string', QUERY, (query) => ({ path: `${list}?${query}`, headers: auth })),
  ...attacks('path', PATH, (path) => ({ path: `/client/v4/${path}`, headers: auth }))
]

t.test('worst-case 16 KB headers get envelopes while /healthz keeps answering', async (t) => {
  const mock = await startMock({ port: 0, config: { adminToken: 'admin-secret' } })
  t.teardown(() => mock.close())
  const port = Number(new URL(mock.url).port)
  for (const attack of ALL) {
    const [answer, health] = await Promise.all([
      send(port, attack.method ?? 'GET', attack.path, attack.headers, attack.body),
      send(port, 'GET', '/healthz', {})
    ])
    t.equal(health.status, 200, `${attack.name}: /healthz answers`)
    t.ok(answer.status !== 431, `${attack.name}: fits under the header limit`)
    if (answer.status === 200 && attack.path.startsWith('/' + VIDEOS.ready)) {
      // The media itself: a worst case that is ignored (a Range or If-None-Match that means nothing).
      t.ok(answer.body.length > 1000, `${attack.name}: the media`)
      continue
    }
    if (answer.status === 206 || answer.status === 304) continue
    const envelope = JSON.parse(answer.body)
    t.same(Object.keys(envelope).sort(), ['errors', 'messages', 'result', 'success'], `${attack.name}: an envelope (${answer.status})`)
    t.equal(envelope.success, answer.status < 400, `${attack.name}: success as the status says`)
  }
})
