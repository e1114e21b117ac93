import t from 'tap'
import { savedState } from './helpers/saved-state.js'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join, relative } from 'node:path'
import { SETTINGS } from '../src/config.js'
import { ACCOUNT, VIDEOS, downloadsPath } from './helpers/build.js'
import { listening, logLines, run } from './helpers/child-server.js'

// A data file's writer may still be busy in its folder as a test ends (a snapshot after a
// start): tap keeps the folder rather than race it (it clears it before the next run).
t.beforeEach((t) => { t.saveFixture = true })

// The server runs as a child process with the TypeScript loader this test runs under, so its
// coverage counts (see test/helpers/child-server.ts): a dozen children, each about half a second
// to start on a quiet machine, several times that on a loaded one (hence .taprc's timeout).

t.test('starts on a free port, serves, and closes on SIGTERM with its state flushed', async (t) => {
  const dataFile = join(t.testdir({}), 'data.json')
  const server = run(t, ['--port', '0', '--tick-ms', '60000'], { MOCK_DATA_FILE: dataFile, MOCK_API_TOKENS: 't' })
  const url = await listening(server)
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.not(url, 'http://127.0.0.1:0', 'the real port, not 0')
  const line = logLines(server.stdout()).find((entry) => entry.msg === 'stream-downloads-mock is listening')!
  t.equal(line.api, `${url}/client/v4`)

  const health = await fetch(`${url}/healthz`)
  t.equal(health.status, 200)
  const healthy = await health.json() as { status: string, videos: number, mockTimeMs: number }
  t.same({ ...healthy, mockTimeMs: 0 }, { status: 'ok', videos: 6, mockTimeMs: 0 })
  t.ok(healthy.mockTimeMs >= 0, 'mock time follows the wall clock since the start')

  const created = await fetch(`${url}${downloadsPath(VIDEOS.empty)}`, { method: 'POST', headers: { authorization: 'Bearer t' } })
  t.equal(created.status, 200)
  t.match(await created.json(), { success: true, result: { default: { status: 'inprogress', percentComplete: 0, url: `${url}/${VIDEOS.empty}/downloads/default.mp4` } } })
  const refused = await fetch(`${url}${downloadsPath(VIDEOS.empty)}`, { headers: { authorization: 'Bearer other' } })
  t.equal(refused.status, 403, 'MOCK_API_TOKENS reached the server')

  server.child.kill('SIGTERM')
  const { code, signal } = await server.exited
  t.equal(code, 0)
  t.equal(signal, null)
  t.equal(server.stderr(), '')
  const story = logLines(server.stdout()).filter((entry) => ['store seeded from fixtures', 'stream-downloads-mock is listening', 'download created', 'closing'].includes(entry.msg))
  t.match(story, [{ msg: 'store seeded from fixtures', dataFile }, { msg: 'stream-downloads-mock is listening' }, { msg: 'download created' }, { msg: 'closing', signal: 'SIGTERM' }])
  const saved = savedState(dataFile)
  t.ok(saved.videos[VIDEOS.empty]!.downloads.default, 'the download created just before is in the data file')
  t.equal(saved.videos[VIDEOS.ready]!.account, ACCOUNT)
})

t.test('SIGINT closes too', async (t) => {
  const server = run(t, ['--port=0'])
  await listening(server)
  server.child.kill('SIGINT')
  const { code } = await server.exited
  t.equal(code, 0)
  t.match(logLines(server.stdout()).filter((entry) => entry.msg === 'closing'), [{ signal: 'SIGINT' }])
})

t.test('--help prints the help and exits 0', async (t) => {
  const server = run(t, ['--help'], {})
  const { code } = await server.exited
  t.equal(code, 0)
  t.match(server.stdout(), /^stream-downloads-mock: a mock of Cloudflare Stream's downloads API\n/)
  for (const setting of Object.values(SETTINGS)) t.match(server.stdout(), ` ${setting.env} `)
  t.equal(server.stderr(), '')
})

t.test('--version prints the package version and exits 0', async (t) => {
  const server = run(t, ['--version'], {})
  const { code } = await server.exited
  t.equal(code, 0)
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  t.equal(server.stdout(), `${manifest.version}\n`)
  t.equal(server.stderr(), '')
})

t.test('bad input: exit code 1 and one line on stderr, no stack trace', async (t) => {
  const dir = t.testdir({ 'bad.json': '{"videos": [' })
  const cases: Array<[string, string[], NodeJS.ProcessEnv, string]> = [
    ['a fixture path that does not exist', ['--fixtures', join(dir, 'missing')], {}, `stream-downloads-mock: MOCK_FIXTURES (--fixtures): ${relative(process.cwd(), join(dir, 'missing'))}: $: cannot read fixtures: ENOENT`],
    ['a fixture variable that names nothing', [], { MOCK_FIXTURES: '/nope' }, 'stream-downloads-mock: MOCK_FIXTURES (--fixtures): /nope: $: cannot read fixtures: ENOENT'],
    ['a bad environment variable', [], { PORT: 'abc' }, 'stream-downloads-mock: PORT (--port): expected a number, got "abc"'],
    ['a data file that cannot be written', ['--port', '0'], { MOCK_DATA_FILE: join(dir, 'bad.json', 'data.json') }, `stream-downloads-mock: MOCK_DATA_FILE (--data-file): ${join(dir, 'bad.json', 'data.json')}: cannot be written (ENOTDIR)`]
  ]
  await Promise.all(cases.map(async ([name, args, env, expected]) => {
    const server = run(t, args, env)
    const { code } = await server.exited
    t.equal(code, 1, name)
    t.equal(server.stderr(), `${expected}\n`, name)
    t.equal(server.stdout(), '', `${name}: nothing on stdout`)
  }))
})

t.test('a port in use: exit code 1 and one line', async (t) => {
  const blocker: Server = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => blocker.close(resolve)))
  const port = (blocker.address() as { port: number }).port
  const server = run(t, [], { PORT: String(port), LOG_LEVEL: 'silent' })
  const { code } = await server.exited
  t.equal(code, 1)
  t.equal(server.stderr(), `stream-downloads-mock: cannot start: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`)
})

t.test('a second server on a data file in use refuses to start, naming the file and the holder', async (t) => {
  const dataFile = join(t.testdir({}), 'data.json')
  // Its log on, so that its 'listening' line tells when it holds the lock (silent, it has none,
  // and the wait for it ran out after 20 s).
  const first = run(t, ['--port', '0'], { MOCK_DATA_FILE: dataFile })
  await listening(first)
  // The first is alive and on this host: the second knows it by its pid, without waiting.
  const second = run(t, ['--port', '0'], { MOCK_DATA_FILE: dataFile, LOG_LEVEL: 'silent' })
  t.equal((await second.exited).code, 1)
  t.match(second.stderr(), new RegExp(`^stream-downloads-mock: MOCK_DATA_FILE \\(--data-file\\): ${dataFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is in use by process ${first.child.pid!} on host \\S+ \\(lock .*\\); stop that server or use another data file\\n$`))
  first.child.kill('SIGTERM')
  t.equal((await first.exited).code, 0)
})

t.test('a failed final write on SIGTERM: exit 1 and one line naming the file', async (t) => {
  const dir = t.testdir({ state: {} })
  const folder = join(dir, 'state')
  const dataFile = join(folder, 'data.json')
  const server = run(t, ['--port', '0'], { MOCK_DATA_FILE: dataFile })
  await listening(server)
  // The folder becomes a regular file: the last write fails with ENOTDIR, even for root.
  rmSync(folder, { recursive: true })
  writeFileSync(folder, 'not a folder')
  server.child.kill('SIGTERM')
  t.equal((await server.exited).code, 1)
  t.equal(server.stderr(), `stream-downloads-mock: ${dataFile}: cannot write the final state; changes since the last write are lost (ENOTDIR)\n`)
  t.ok(logLines(server.stdout()).some((line) => line.msg === 'cannot write the data file; serving from memory'), 'the store logged the error')
})
