import t from 'tap'
import { buildApp, startMock } from '../src/index.js'
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
  t.equal(mock.app.mock.config.port, Number(new URL(mock.url).port), 'the config keeps the real port')
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
