import { connect } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { savedState } from './helpers/saved-state.js'
import { VIDEOS, downloadsPath } from './helpers/build.js'
import { listening, logLines, run } from './helpers/child-server.js'

// A data file's writer may still be busy in its folder as a test ends (a snapshot after a
// start): tap keeps the folder rather than race it (it clears it before the next run).
t.beforeEach((t) => { t.saveFixture = true })

// A graceful close has a deadline (MOCK_CLOSE_TIMEOUT_MS): requests still in flight then have
// their connections ended, the store is flushed, and the process exits 0. Without it, a slow
// client or a long latency fault kept the process alive past `docker stop`'s 10 s.

const AUTH = { authorization: 'Bearer t' }

/** Waits until a fault rule has been taken: the request it delays is then in flight. */
async function untilTaken (url: string): Promise<void> {
  for (;;) {
    const body = await (await fetch(`${url}/__mock/faults`)).json() as { result: { rules: Array<{ hits: number }> } }
    const rules = body.result.rules
    if (rules[0] !== undefined && rules[0].hits > 0) return
    await new Promise((resolve) => setImmediate(resolve))
  }
}

t.test('a latency fault in flight and a half-sent request do not hold the close past its deadline', async (t) => {
  const dataFile = join(t.testdir(), 'state.json')
  const server = run(t, ['--port=0'], { MOCK_DATA_FILE: dataFile, MOCK_CLOSE_TIMEOUT_MS: '300' })
  const url = await listening(server)
  const created = await fetch(`${url}${downloadsPath(VIDEOS.empty)}`, { method: 'POST', headers: AUTH })
  t.equal(created.status, 200)

  await fetch(`${url}/__mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ match: { method: 'GET' }, latencyMs: 60_000 }) })
  const slow = fetch(`${url}${downloadsPath(VIDEOS.ready)}`, { headers: AUTH }).then(() => 'answered', () => 'connection ended')
  await untilTaken(url)

  // A client that sends half a request and then nothing.
  const { port } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.write(`POST ${downloadsPath(VIDEOS.empty)} HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"half":`)
  socket.resume()
  const halfEnded = new Promise((resolve) => socket.once('close', resolve))

  server.child.kill('SIGTERM')
  const { code, signal } = await server.exited
  t.equal(code, 0, 'a clean exit')
  t.equal(signal, null)
  t.equal(await slow, 'connection ended', 'the delayed request was cut at the deadline')
  await halfEnded
  t.pass('the half-sent request\'s connection was ended')
  const lines = logLines(server.stdout())
  t.match(lines.find((line) => line.msg === 'close deadline reached: ending the connections still open'), { deadlineMs: 300 })
  const saved = savedState(dataFile)
  t.ok(saved.videos[VIDEOS.empty]?.downloads.default !== undefined, 'the store was flushed after the deadline')
})

t.test('a close with nothing in flight does not wait for the deadline', async (t) => {
  const server = run(t, ['--port=0'], { MOCK_CLOSE_TIMEOUT_MS: '60000' })
  await listening(server)
  server.child.kill('SIGTERM')
  const { code } = await server.exited
  t.equal(code, 0, 'exited: a pending deadline keeps nothing alive')
  t.notOk(logLines(server.stdout()).some((line) => line.msg === 'close deadline reached: ending the connections still open'))
})
