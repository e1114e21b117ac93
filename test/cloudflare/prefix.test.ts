import t from 'tap'
import type { IncomingMessage } from 'node:http'
import type { InjectOptions } from 'fastify'
import { surfaceAtRoot } from '../../src/cloudflare/prefix.js'
import { ACCOUNT, AUTH, VIDEOS, build } from '../helpers/build.js'

const A = ACCOUNT
const V = VIDEOS.ready
const rewritten = (url: string): string => surfaceAtRoot({ url } as IncomingMessage)

t.test('surfaceAtRoot maps the surface\'s prefixed paths, and only those, onto the root', async (t) => {
  t.equal(rewritten(`/client/v4/accounts/${A}/stream/${V}/downloads`), `/accounts/${A}/stream/${V}/downloads`)
  t.equal(rewritten(`/client/v4/accounts/${A}/stream/${V}/downloads/audio?x=1`), `/accounts/${A}/stream/${V}/downloads/audio?x=1`)
  t.equal(rewritten('/client/v4/accounts/not-an-id/stream/'), '/accounts/not-an-id/stream/', 'the ids are admission\'s to check')
  const unchanged = [
    `/accounts/${A}/stream/${V}/downloads`,
    `//client/v4/accounts/${A}/stream/${V}/downloads`,
    `/client/v4/client/v4/accounts/${A}/stream/${V}/downloads`,
    `/client/v4//accounts/${A}/stream/${V}/downloads`,
    `/CLIENT/v4/accounts/${A}/stream/${V}/downloads`,
    '/client/v4/accounts/downloads/default.mp4',
    `/client/v4/accounts/${A}`,
    `/client/v4/accounts/${A}/streams/${V}`,
    '/client/v4/healthz',
    '/client/v4/__mock/journal',
    '/client/v4',
    '/healthz',
    'example.com:443',
    '*'
  ]
  for (const url of unchanged) t.equal(rewritten(url), url, url)
})

/** Requests of every kind the surface answers, each sent at the root and under /client/v4. */
const requests: InjectOptions[] = [
  { method: 'GET', url: `/accounts/${A}/stream/${V}/downloads?x=1`, headers: AUTH },
  { method: 'HEAD', url: `/accounts/${A}/stream/${V}/downloads`, headers: AUTH },
  { method: 'GET', url: `/accounts/${A}/stream/${V}/downloads`, headers: { ...AUTH, host: 'mock:8787' } },
  { method: 'POST', url: `/accounts/${A}/stream/${VIDEOS.empty}/downloads/audio`, headers: AUTH },
  { method: 'DELETE', url: `/accounts/${A}/stream/${VIDEOS.empty}/downloads/audio`, headers: AUTH },
  { method: 'GET', url: `/accounts/${A}/stream/not-a-video/downloads?q=1` },
  { method: 'GET', url: `/accounts/${A}/stream/${V}/downloads/video` },
  { method: 'PUT', url: `/accounts/${A}/stream/${V}/downloads` },
  { method: 'GET', url: `/accounts/${A}/stream/${V}/downloads/audio`, headers: AUTH },
  { method: 'GET', url: `/accounts/${A}/stream/${V}/downloads` },
  { method: 'GET', url: `/accounts/${A}/stream/${V}/downloads`, headers: { ...AUTH, prefer: 'code=429' } },
  { method: 'POST', url: `/accounts/${A}/stream/${VIDEOS.empty}/downloads`, headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{bad' },
  { method: 'GET', url: `/accounts/${A}/stream/${V}/nothing` },
  { method: 'GET', url: `/accounts/${A}/stream/${V}/downloads/audio/more` }
]

t.test('both prefixes get the same answers, and the journal records each path as sent', async (t) => {
  const app = await build(t)
  const answers: Record<'root' | 'prefixed', unknown[]> = { root: [], prefixed: [] }
  for (const [name, prefix] of [['root', ''], ['prefixed', '/client/v4']] as const) {
    await app.inject({ method: 'POST', url: '/__mock/reset' })
    for (const request of requests) {
      const res = await app.inject({ ...request, url: `${prefix}${request.url as string}` })
      // Ratelimit counts every request: its `r` differs between the two rounds.
      const { date, ratelimit, ...headers } = res.headers
      answers[name].push({ statusCode: res.statusCode, headers, body: res.body })
    }
    const sent = requests.slice(0, -2).map((request) => `${request.method as string} ${prefix}${request.url as string}`)
    t.same(app.mock.journal.list().map((entry) => `${entry.method} ${entry.path}`), sent, `${name}: journaled as sent`)
  }
  t.same(answers.prefixed, answers.root)
  t.equal((answers.root[0] as { statusCode: number }).statusCode, 200)
  t.match((answers.root[2] as { body: string }).body, `http://mock:8787/${V}/downloads/default.mp4`, 'download urls from the request')
})

t.test('paths near the prefixed ones stay unrouted, named as sent', async (t) => {
  const app = await build(t)
  const routeError = async (url: string): Promise<string | undefined> => {
    const res = await app.inject({ method: 'GET', url, headers: AUTH })
    t.equal(res.statusCode, 400, url)
    return res.json().errors[0].message
  }
  t.equal(await routeError(`//client/v4/accounts/${A}/stream/${V}/downloads`), `Could not route to /client/v4/accounts/${A}/stream/${V}/downloads, perhaps your object identifier is invalid?`)
  t.equal(await routeError(`/client/v4/client/v4/accounts/${A}/stream/${V}/downloads`), `Could not route to /client/v4/client/v4/accounts/${A}/stream/${V}/downloads, perhaps your object identifier is invalid?`)
  t.equal(await routeError('/client/v4/accounts/downloads/default.mp4'), 'Could not route to /client/v4/accounts/downloads/default.mp4, perhaps your object identifier is invalid?', 'not the media route')
  t.equal(await routeError('/client/v4/healthz'), 'Could not route to /client/v4/healthz, perhaps your object identifier is invalid?')
  t.equal(await routeError('/client/v4/openapi.json'), 'Could not route to /client/v4/openapi.json, perhaps your object identifier is invalid?')
  t.equal(await routeError(`/client/v4/accounts/${A}/stream/%zz/downloads`), `Could not route to /client/v4/accounts/${A}/stream/%zz/downloads, perhaps your object identifier is invalid?`, 'a malformed escape')
  t.same(app.mock.journal.list(), [], 'none of them reached the surface')
})

t.test('fault rules match the path as sent', async (t) => {
  const app = await build(t)
  const rule = await app.inject({ method: 'POST', url: '/__mock/faults', payload: { match: { path: '/client/v4/accounts' }, status: 503 } })
  t.equal(rule.statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: `/client/v4/accounts/${A}/stream/${V}/downloads`, headers: AUTH })).statusCode, 503)
  t.equal((await app.inject({ method: 'GET', url: `/accounts/${A}/stream/${V}/downloads`, headers: AUTH })).statusCode, 200)
})
