import t from 'tap'
import { AdminClient, buildApp, startMock } from '../src/index.js'
import { startApp } from '../src/start.js'
import { AUTH, VIDEOS, downloadsPath } from './helpers/build.js'

t.test('startMock listens on a free port and closes', async (t) => {
  const mock = await startMock({ port: 0 })
  t.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const res = await fetch(`${mock.url}${downloadsPath(VIDEOS.ready)}`, { headers: AUTH })
  t.equal(res.status, 200)
  const body = await res.json() as { result: { default: { url: string } } }
  t.equal(body.result.default.url, `${mock.url}/${VIDEOS.ready}/downloads/default.mp4`)
  await mock.close()
  await t.rejects(fetch(`${mock.url}/healthz`), 'the port is closed')
})

t.test('startMock takes port and host from config, and names 0.0.0.0 as loopback in its url', async (t) => {
  const mock = await startMock({ config: { port: 0, host: '0.0.0.0' } })
  t.teardown(() => mock.close())
  t.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(mock.apiUrl, `${mock.url}/client/v4`)
})

t.test('the started app\'s config keeps the real port, for download urls built without a usable Host header', async (t) => {
  const { app, url, close } = await startApp({ config: { port: 0 } })
  t.teardown(close)
  t.equal(app.mock.config.port, Number(new URL(url).port))
})

t.test('startMock on a port in use fails and leaves nothing running', async (t) => {
  const first = await startMock({ port: 0 })
  t.teardown(() => first.close())
  const port = Number(new URL(first.url).port)
  await t.rejects(startMock({ port }), { code: 'EADDRINUSE' })
})

t.test('startMock brackets an IPv6 host in its url', async (t) => {
  const mock = await startMock({ port: 0, host: '::1' })
  t.teardown(() => mock.close())
  t.match(mock.url, /^http:\/\/\[::1\]:\d+$/)
  t.equal((await fetch(`${mock.url}/healthz`)).status, 200)
})

t.test('startMock with a config that names only the port listens on 127.0.0.1', async (t) => {
  const mock = await startMock({ config: { port: 0 } })
  t.teardown(() => mock.close())
  t.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/)
})

t.test('buildApp logs with pino at the configured level unless told otherwise', async (t) => {
  const app = await buildApp({ autoTick: false, config: { logLevel: 'silent' } })
  t.teardown(() => app.close())
  t.equal(app.log.level, 'silent')
})

t.test('startMock with no options at all picks a free port on 127.0.0.1', async (t) => {
  const mock = await startMock()
  t.teardown(() => mock.close())
  t.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.not(new URL(mock.url).port, '0')
})

t.test('the handle holds the urls, the admin client, the clock and close, and no Fastify instance', async (t) => {
  const mock = await startMock({ autoTick: false })
  t.teardown(() => mock.close())
  t.same(Object.keys(mock).sort(), ['admin', 'apiUrl', 'clock', 'close', 'url'])
  t.same(Object.keys(mock.clock).sort(), ['advance', 'freeze', 'resume', 'setRate'])
  t.equal(mock.admin.baseUrl, `${mock.url}/__mock`)
})

t.test('the handle\'s clock: the global clock, or an account\'s own, as the admin API answers', async (t) => {
  const mock = await startMock({ autoTick: false })
  t.teardown(() => mock.close())
  const account = '0000000000000000000000000000000a'
  const global = await mock.clock.advance(3000)
  t.match(global, { clock: { scope: 'global', nowMs: 3000, frozen: false, rate: 1, ticking: false }, transitions: 1 })
  t.ok(Array.isArray(global.videos), 'with few videos, all of them')
  t.same(await mock.clock.freeze({ account }), await mock.admin.clock(account), 'the account\'s own clock, frozen')
  t.match(await mock.clock.advance(500, { account }), { clock: { scope: 'account', account, nowMs: 3500, frozen: true }, transitions: 0, videos: [] })
  t.match(await mock.clock.advance(1000), { clock: { scope: 'global', nowMs: 4000 } })
  t.equal((await mock.admin.clock(account)).nowMs, 3500, 'the global clock no longer moves an account with a clock of its own')
  t.match(await mock.clock.setRate(10, { account }), { scope: 'account', rate: 10, frozen: true })
  t.match(await mock.clock.resume({ account }), { scope: 'account', frozen: false })
  t.match(await mock.clock.freeze(), { scope: 'global', frozen: true })
  t.match(await mock.clock.setRate(0), { scope: 'global', rate: 0 })
  t.match(await mock.clock.resume(), { scope: 'global', frozen: false, rate: 0 })
})

t.test('the handle\'s clock validates as the admin API does, and sends the admin token', async (t) => {
  const mock = await startMock({ autoTick: false, config: { adminToken: 'sekrit' } })
  t.teardown(() => mock.close())
  await t.rejects(mock.clock.advance(-1), { name: 'AdminApiError', status: 400, message: /^body\.ms: must be >= 0/ })
  await t.rejects(mock.clock.setRate(5000), { status: 400, message: /^body\.rate: must be <= 1000/ })
  await t.rejects(mock.clock.freeze({ account: 'x' }), { status: 400, message: /^body\.account: must match pattern/ })
  t.match(await mock.clock.freeze(), { frozen: true }, 'the token is sent')
  await t.rejects(new AdminClient(`${mock.url}/__mock`).clock(), { name: 'AdminApiError', status: 401 }, 'the token is needed')
})

t.test('with the admin API off, the handle\'s clock says so', async (t) => {
  const mock = await startMock({ autoTick: false, config: { admin: 'off' } })
  t.teardown(() => mock.close())
  await t.rejects(mock.clock.advance(1000), { name: 'AdminApiError', status: 404, message: /admin API is off/ })
})
