import { METHODS } from 'node:http'
import { connect } from 'node:net'
import t from 'tap'
import { BODY_LIMIT } from '../src/app.js'
import { checkingIntervalMs } from '../src/http-server.js'
import { startMock, type RunningMock } from '../src/index.js'
import { DISCARD_LIMIT } from '../src/plugins/envelope.js'
import { ACCOUNT, AUTH, VIDEOS, build, downloadsPath } from './helpers/build.js'
import { until } from './helpers/wait.js'

interface TapLike { teardown: (fn: () => unknown) => void }

async function started (t: TapLike, config: Parameters<typeof startMock>[0] = {}): Promise<{ mock: RunningMock, port: number }> {
  const mock = await startMock({ port: 0, ...config })
  t.teardown(() => mock.close())
  return { mock, port: Number(new URL(mock.url).port) }
}

/**
 * Writes raw bytes on a new connection and collects what comes back until the server closes
 * it (or, with `half`, until the client's own half-close is answered).
 */
async function exchange (port: number, request: string | Buffer): Promise<string> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    let text = ''
    socket.on('data', (chunk) => { text += chunk.toString() })
    // A reset after the answer still leaves the answer read.
    socket.on('error', () => {})
    socket.on('close', () => resolve(text))
  })
}

/** The status and parsed body of a raw HTTP/1.1 answer. */
function parsed (answer: string): { status: number, headers: string, body: any } {
  const [head = '', body = ''] = answer.split('\r\n\r\n', 2)
  return { status: Number(head.split(' ', 2)[1]), headers: head.toLowerCase(), body: body === '' ? undefined : JSON.parse(body) }
}

t.test('an HTTP/1.1 request without Host gets a 400 envelope; HTTP/1.0 needs none', async (t) => {
  const { port } = await started(t)
  const answer = parsed(await exchange(port, `GET ${downloadsPath(VIDEOS.ready)} HTTP/1.1\r\nAuthorization: Bearer x\r\n\r\n`))
  t.equal(answer.status, 400)
  t.match(answer.headers, /content-length: \d+/)
  t.strictSame(answer.body, { result: null, success: false, errors: [{ code: 10400, message: 'Bad request: an HTTP/1.1 request needs a Host header' }], messages: [] })
  const old = parsed(await exchange(port, `GET ${downloadsPath(VIDEOS.ready)} HTTP/1.0\r\nAuthorization: Bearer x\r\n\r\n`))
  t.equal(old.status, 200)
  t.equal(old.body.result.default.url, `http://127.0.0.1:${port}/${VIDEOS.ready}/downloads/default.mp4`, 'the configured host in urls')
})

t.test('headers that never finish get a 408 envelope after the headers timeout', async (t) => {
  const { port } = await started(t, { config: { headersTimeoutMs: 200 } })
  // No timing is asserted: the answer is awaited, however long the server takes.
  const answer = parsed(await exchange(port, `GET ${downloadsPath(VIDEOS.ready)} HTTP/1.1\r\nHost: x\r\nX-Slow: a`))
  t.equal(answer.status, 408)
  t.strictSame(answer.body.errors, [{ code: 10408, message: 'Request timeout: the request headers did not all arrive in time' }])
})

t.test('Node checks for slow headers often enough for the timeout to hold', async (t) => {
  t.equal(checkingIntervalMs(10_000), 1000)
  t.equal(checkingIntervalMs(600_000), 1000)
  t.equal(checkingIntervalMs(200), 20)
  t.equal(checkingIntervalMs(100), 10)
})

t.test('every method Node parses that a downloads path lacks is a 405 with Allow, CONNECT included', async (t) => {
  const { port } = await started(t)
  const paths: Array<[string, string[]]> = [
    [downloadsPath(VIDEOS.ready), ['GET', 'HEAD', 'POST', 'DELETE']],
    [downloadsPath(VIDEOS.ready, ACCOUNT, 'audio'), ['POST', 'DELETE']]
  ]
  for (const [path, allowed] of paths) {
    for (const method of METHODS.filter((method) => !allowed.includes(method))) {
      const answer = parsed(await exchange(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))
      t.equal(answer.status, 405, `${method} ${path}`)
      t.match(answer.headers, `allow: ${allowed.join(', ').toLowerCase()}`)
      // A HEAD answer has no body.
      if (method !== 'HEAD') t.strictSame(answer.body.errors, [{ code: 10000, message: `${method} method not allowed for the api_token authentication scheme` }])
    }
  }
  const unknown = parsed(await exchange(port, 'PURGE /client/v4/zones HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
  t.same([unknown.status, unknown.body.errors[0].code], [400, 7003], 'elsewhere, an unknown route as for any method')
  const tunnel = parsed(await exchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'))
  t.equal(tunnel.status, 400)
  t.equal(tunnel.body.errors[0].message, 'Could not route to /client/v4/example.com:443, perhaps your object identifier is invalid?')
  const journal = ((await (await fetch(`http://127.0.0.1:${port}/__mock/journal`)).json()) as { result: { entries: Array<{ method: string, status: number }> } }).result.entries
  t.same(journal.filter((entry) => entry.method === 'CONNECT').map((entry) => entry.status), [405, 405], 'CONNECT goes through the surface and its journal')
})

t.test('the routing message names the path once, however many slashes lead it', async (t) => {
  const app = await build(t)
  for (const url of ['//client/v4/zones', '///client/v4/zones?x=1', '//zones']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.json().errors[0].message, 'Could not route to /client/v4/zones, perhaps your object identifier is invalid?', url)
  }
  const doubled = await app.inject({ method: 'GET', url: '/client/v4//zones' })
  t.equal(doubled.json().errors[0].message, 'Could not route to /client/v4//zones, perhaps your object identifier is invalid?', 'inner slashes are shown as sent')
})

t.test('a body over the limit: fetch gets its 413 envelope, every time', async (t) => {
  const { mock } = await started(t)
  const body = JSON.stringify({ pad: 'x'.repeat(3 * 1024 * 1024) })
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${mock.url}${downloadsPath(VIDEOS.empty)}`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body })
    t.equal(res.status, 413, `attempt ${i + 1}`)
    t.strictSame(await res.json(), { result: null, success: false, errors: [{ code: 10413, message: `Request body is larger than ${BODY_LIMIT} bytes` }], messages: [] })
  }
  const after = await fetch(`${mock.url}${downloadsPath(VIDEOS.empty)}`, { headers: AUTH })
  t.same(((await after.json()) as { result: unknown }).result, {}, 'nothing was created')
})

t.test('an oversized body read to its end keeps the connection for the next request', async (t) => {
  const { port } = await started(t)
  const size = BODY_LIMIT + 10
  const path = downloadsPath(VIDEOS.empty)
  const answer = await exchange(port, Buffer.concat([
    Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`),
    Buffer.alloc(size, 'x'),
    Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  ]))
  t.match(answer, /^HTTP\/1\.1 413 [^]*"code":10413[^]*HTTP\/1\.1 200 OK[^]*"status":"ok"/, 'the 413, then the next answer on the same connection')
})

t.test('past the discard bound, the connection closes', async (t) => {
  const { mock, port } = await started(t)
  const path = downloadsPath(VIDEOS.empty)
  const head = (length: string): string => `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\nContent-Type: application/json\r\n${length}\r\n\r\n`
  // Announced too large: answered at once, and closed.
  const announced = await exchange(port, head(`Content-Length: ${BODY_LIMIT + DISCARD_LIMIT + 1}`) + 'x'.repeat(1000))
  t.match(announced, /^HTTP\/1\.1 413 [^]*[Cc]onnection: close[^]*"code":10413/)
  // Found too large while reading (chunked, no length): the connection is closed unanswered.
  const chunk = Buffer.alloc(1024 * 1024, 'x')
  const unanswered = await new Promise<string>((resolve) => {
    let text = ''
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head('Transfer-Encoding: chunked'))
      // Whole chunks only, until the socket's buffer fills; then more once it drains.
      const writeMore = (): void => {
        while (!socket.destroyed) {
          socket.write(`${chunk.length.toString(16)}\r\n`)
          socket.write(chunk)
          if (!socket.write('\r\n')) return
        }
      }
      socket.on('drain', writeMore)
      writeMore()
    })
    socket.on('data', (data) => { text += data.toString() })
    socket.on('error', () => {})
    socket.on('close', () => resolve(text))
  })
  t.equal(unanswered, '', 'closed without an answer')
  // A client that gives up in the middle of an oversized body leaves nothing behind.
  await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head(`Content-Length: ${3 * BODY_LIMIT}`) + 'x'.repeat(BODY_LIMIT), () => socket.destroy())
    })
    socket.on('close', () => resolve())
  })
  const health = await fetch(`${mock.url}/healthz`)
  t.equal(health.status, 200, 'the server keeps answering')
})

t.test('a connection that never sent a byte (a browser\'s preconnect) does not hold a close', async (t) => {
  // app.close() itself, with no deadline: a connection that held it would hold the test until tap's timeout.
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  let accepted = 0
  app.server.on('connection', () => { accepted++ })
  const silent = connect(port, '127.0.0.1')
  silent.on('error', () => {})
  await new Promise((resolve) => silent.once('connect', resolve))
  const half = connect(port, '127.0.0.1', () => half.write(`GET ${downloadsPath(VIDEOS.ready)} HTTP/1.1\r\nHost: x\r\n`))
  half.on('error', () => {})
  let halfClosed = false
  half.on('close', () => { halfClosed = true })
  await until(() => accepted === 2)
  const silentClosed = new Promise((resolve) => silent.once('close', resolve))
  const closing = app.close()
  await silentClosed
  t.pass('the silent connection was ended by the close')
  t.notOk(halfClosed, 'a client that has begun its request is not cut off by the close itself (the deadline ends it)')
  half.destroy()
  await closing
})
