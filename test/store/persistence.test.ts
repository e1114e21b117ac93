import t from 'tap'
import { savedState } from '../helpers/saved-state.js'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildOptions } from '../../src/app.js'
import type { FixtureDocument } from '../../src/schemas/fixture.js'
import { DATA_FORMAT, type StoreData } from '../../src/schemas/store.js'
import { FixtureError } from '../../src/seed/fixture-error.js'
import { DataFileError } from '../../src/store/download-store.js'
import { ACCOUNT, VIDEOS, downloadsPath } from '../helpers/build.js'

// A data file's writer may still be busy in its folder as a test ends (a snapshot after a
// start): tap keeps the folder rather than race it (it clears it before the next run).
t.beforeEach((t) => { t.saveFixture = true })

const AUTH = { authorization: 'Bearer t' }
/** Long enough that the flush timer never fires during a test: writes happen on flush or close. */
const NEVER = 10 * 60_000

/** Builds an app on `dataFile`, ready, closed at the end of the test (closing twice is harmless). */
async function start (t: Tap, dataFile: string, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = await buildApp({ logger: false, autoTick: false, flushDelayMs: NEVER, ...options, config: { dataFile, ...options.config } })
  // By teardown the test's folder is gone, so a close left to it cannot write: not what is tested.
  t.teardown(async () => { await app.close().catch(() => {}) })
  await app.ready()
  return app
}
interface Tap { teardown: (fn: () => unknown) => void }

function readData (file: string): StoreData {
  return savedState(file)
}

/** The message of JSON.parse's error for `text` (worded differently by each Node version). */
function jsonError (text: string): string {
  try {
    JSON.parse(text)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error(`${text} parses`)
}

async function rejection (promise: Promise<unknown>): Promise<Error> {
  return await promise.then(() => new Error('did not reject'), (error: unknown) => error as Error)
}

async function downloads (app: FastifyInstance, video: string): Promise<unknown> {
  const response = await app.inject({ method: 'GET', url: downloadsPath(video), headers: AUTH })
  return response.json().result
}

t.test('state and mock time survive a restart', async (t) => {
  const dataFile = join(t.testdir({}), 'data.json')
  const first = await start(t, dataFile)
  t.ok(existsSync(dataFile), 'written at start')
  t.equal(readData(dataFile).format, DATA_FORMAT)

  const created = await first.inject({ method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.equal(created.statusCode, 200)
  const removed = await first.inject({ method: 'DELETE', url: downloadsPath(VIDEOS.ready, ACCOUNT, 'audio'), headers: AUTH })
  t.equal(removed.statusCode, 200)
  first.mock.clock.advance(3000)
  const before = Object.fromEntries(await Promise.all(Object.values(VIDEOS).map(async (id) => [id, await downloads(first, id)])))
  t.match(before[VIDEOS.empty], { default: { status: 'inprogress', percentComplete: 30 } })
  await first.close()

  const saved = readData(dataFile)
  t.equal(saved.clock.nowMs, 3000, 'mock time is saved on close')
  t.same(saved.videos[VIDEOS.empty]!.downloads.default, { model: 'time', speed: 10, step: 25, status: 'inprogress', percent: 0, since: 0 })
  t.notOk(saved.videos[VIDEOS.ready]!.downloads.audio, 'the deleted download is gone')
  t.same(readdirSync(join(dataFile, '..')).sort(), ['data.json', 'data.json.1.log'], 'the snapshot and its change log, no temporary file left behind')

  const second = await start(t, dataFile)
  t.equal(second.mock.clock.nowMs, 3000, 'the same mock time')
  const after = Object.fromEntries(await Promise.all(Object.values(VIDEOS).map(async (id) => [id, await downloads(second, id)])))
  t.same(after, before, 'the same downloads')
  second.mock.clock.advance(7000)
  t.match(await downloads(second, VIDEOS.empty), { default: { status: 'ready', percentComplete: 100 } }, 'and they carry on')
  const health = await second.inject({ method: 'GET', url: '/healthz' })
  t.same(health.json(), { status: 'ok', videos: 6, mockTimeMs: 10_000 })
})

t.test('the data file wins over changed fixtures', async (t) => {
  const dataFile = join(t.testdir({}), 'data.json')
  const video = 'cccccccccccccccccccccccccccccccc'
  const before: FixtureDocument = { videos: [{ id: video, account: ACCOUNT, downloads: { default: { status: 'ready' } } }] }
  const changed: FixtureDocument = {
    videos: [
      { id: video, account: ACCOUNT, downloads: { default: { percentComplete: 10 } } },
      { id: 'dddddddddddddddddddddddddddddddd', account: ACCOUNT }
    ]
  }
  await (await start(t, dataFile, { fixtures: before })).close()
  const app = await start(t, dataFile, { fixtures: changed })
  t.equal(app.mock.store.videoCount, 1, 'the video added to the fixtures is not there')
  t.same(await downloads(app, video), { default: { status: 'ready', percentComplete: 100, url: `http://localhost:80/${video}/downloads/default.mp4` } })
  await app.close()

  rmSync(dataFile)
  const reseeded = await start(t, dataFile, { fixtures: changed })
  t.equal(reseeded.mock.store.videoCount, 2, 'removing the data file starts over from the fixtures')
})

t.test('changes within the flush delay are written once', async (t) => {
  const dataFile = join(t.testdir({}), 'data.json')
  const app = await start(t, dataFile, { flushDelayMs: 30 })
  t.equal(app.mock.store.writes, 1, 'the write at start')
  const store = app.mock.store
  const empty = store.lookup(ACCOUNT, VIDEOS.empty)
  const ready = store.lookup(ACCOUNT, VIDEOS.ready)
  if (!empty.found || !ready.found) throw new Error('fixture videos missing')
  // Three changes in one turn of the event loop, then the timer's single write.
  store.create(VIDEOS.empty, empty.video, 'default')
  store.create(VIDEOS.empty, empty.video, 'audio')
  store.remove(VIDEOS.ready, ready.video, 'default')
  t.equal(store.writes, 1, 'nothing written at once')
  for (let waited = 0; store.writes === 1 && waited < 5000; waited += 10) await sleep(10)
  await sleep(100)
  t.equal(store.writes, 2, 'one write for three changes')
  const saved = readData(dataFile)
  t.same(Object.keys(saved.videos[VIDEOS.empty]!.downloads), ['default', 'audio'])
  t.notOk(saved.videos[VIDEOS.ready]!.downloads.default)
})

t.test('requests within the flush delay are written once, on flush or close', async (t) => {
  const dataFile = join(t.testdir({}), 'data.json')
  const app = await start(t, dataFile)
  for (const type of ['default', 'audio']) {
    const response = await app.inject({ method: 'POST', url: downloadsPath(VIDEOS.empty, ACCOUNT, type), headers: AUTH })
    t.equal(response.statusCode, 200)
  }
  app.mock.clock.advance(10_000)
  t.equal(app.mock.store.transitionsRecorded, 4, 'the ticker wrote down transitions too')
  t.equal(app.mock.store.writes, 1, 'not written yet')
  t.same(readData(dataFile).videos[VIDEOS.empty]!.downloads, {}, 'the file still holds the state at start')
  await app.mock.store.flush()
  t.equal(app.mock.store.writes, 2)
  t.same(Object.keys(readData(dataFile).videos[VIDEOS.empty]!.downloads), ['default', 'audio'])
  await app.mock.store.flush()
  t.equal(app.mock.store.writes, 2, 'a flush with nothing new writes nothing')

  // A flush while another is writing waits for it; what came before either starts is one append.
  const empty = app.mock.store.lookup(ACCOUNT, VIDEOS.empty)
  if (!empty.found) throw new Error('fixture video missing')
  app.mock.store.remove(VIDEOS.empty, empty.video, 'default')
  const one = app.mock.store.flush()
  app.mock.store.remove(VIDEOS.empty, empty.video, 'audio')
  const two = app.mock.store.flush()
  await Promise.all([one, two])
  t.equal(app.mock.store.writes, 3)
  t.same(readData(dataFile).videos[VIDEOS.empty]!.downloads, {})

  app.mock.clock.advance(500)
  await app.close()
  t.equal(app.mock.store.writes, 4, 'close writes once more, for mock time')
  t.equal(readData(dataFile).clock.nowMs, 10_500)
})

t.test('a data file that is not JSON is an error, and is left alone', async (t) => {
  const dir = t.testdir({ 'corrupt.json': '{not json', 'empty.json': '' })
  // The reason is JSON.parse's own message, whose wording depends on the Node version.
  for (const [name, reason] of [
    ['corrupt.json', jsonError('{not json')],
    ['empty.json', jsonError('')]
  ] as const) {
    const dataFile = join(dir, name)
    const text = readFileSync(dataFile, 'utf8')
    const error = await rejection(buildApp({ logger: false, autoTick: false, config: { dataFile } }))
    t.type(error, DataFileError, name)
    t.equal(error.name, 'DataFileError')
    t.equal(error.message, `${dataFile}: is not valid JSON (${reason}); fix or remove it to start from the fixtures`)
    t.equal(readFileSync(dataFile, 'utf8'), text, 'never a silent reset')
  }
  t.same(readdirSync(dir).sort(), ['corrupt.json', 'empty.json'])
})

t.test('a data file of the wrong shape is a FixtureError naming the path', async (t) => {
  const video = { account: ACCOUNT, downloads: {}, onCreate: {} }
  const good = { format: DATA_FORMAT, clock: { nowMs: 0 }, videos: { [VIDEOS.ready]: video } }
  const cases: Array<[string, unknown, string]> = [
    ['null', null, '$: expected object (got null)'],
    ['array', [], '$: expected object (got [])'],
    ['format', { ...good, format: 'other@1' }, '$.format: expected one of "stream-downloads-mock/data@3", "stream-downloads-mock/data@2", "stream-downloads-mock/data@1" (got "other@1")'],
    ['no clock', { format: DATA_FORMAT, videos: {} }, '$.clock: missing required property'],
    ['negative time', { ...good, clock: { nowMs: -1 } }, '$.clock.nowMs: expected number to be greater or equal to 0 (got -1)'],
    ['bad video id', { ...good, videos: { ...good.videos, 'not-an-id': video } }, '$.videos["not-an-id"]: unknown property'],
    ['bad record', { ...good, videos: { [VIDEOS.ready]: { ...video, downloads: { default: { status: 'ready' } } } } }, `$.videos.${VIDEOS.ready}.downloads.default.percent: missing required property`],
    ['extra key', { ...good, extra: true }, '$.extra: unknown property']
  ]
  const dir = t.testdir({})
  for (const [name, content, problem] of cases) {
    const dataFile = join(dir, `${name.replace(/ /g, '-')}.json`)
    const text = JSON.stringify(content)
    writeFileSync(dataFile, text)
    const error = await rejection(buildApp({ logger: false, autoTick: false, config: { dataFile } }))
    t.type(error, FixtureError, name)
    t.equal(error.message, `${dataFile}: ${problem}`, name)
    t.equal(readFileSync(dataFile, 'utf8'), text, `${name}: left alone`)
  }
  const proto = join(dir, 'proto.json')
  writeFileSync(proto, `{"format":"${DATA_FORMAT}","clock":{"nowMs":0},"videos":{"__proto__":{}}}`)
  t.equal((await rejection(buildApp({ logger: false, autoTick: false, config: { dataFile: proto } }))).message,
    `${proto}: $.videos.__proto__: forbidden key (prototype keys are refused)`)

  const valid = join(dir, 'valid.json')
  writeFileSync(valid, JSON.stringify(good))
  const app = await start(t, valid)
  t.equal(app.mock.store.videoCount, 1, 'the good shape loads')
})

t.test('a data file that cannot be read is an error', async (t) => {
  const dir = t.testdir({ 'data.json': {} })
  const dataFile = join(dir, 'data.json')
  const error = await rejection(buildApp({ logger: false, autoTick: false, config: { dataFile } }))
  t.type(error, DataFileError)
  t.equal(error.message, `${dataFile}: is a directory, not a regular file; remove it or name a regular file`)
})

t.test('a data file that cannot be written is an error at start', async (t) => {
  const dir = t.testdir({ 'plain-file': 'x' })
  const missingFolder = join(dir, 'missing', 'data.json')
  let error = await rejection(buildApp({ logger: false, autoTick: false, config: { dataFile: missingFolder } }))
  t.type(error, DataFileError)
  t.equal(error.message, `${missingFolder}: cannot be written (ENOENT)`)
  t.notOk(existsSync(join(dir, 'missing')), 'no folder is made')

  const underFile = join(dir, 'plain-file', 'data.json')
  error = await rejection(buildApp({ logger: false, autoTick: false, config: { dataFile: underFile } }))
  t.type(error, DataFileError)
  t.equal(error.message, `${underFile}: cannot be written (ENOTDIR)`)
})

t.test('a write error while running is logged; the server keeps serving and retries', async (t) => {
  const dir = t.testdir({ state: {} })
  const folder = join(dir, 'state')
  const dataFile = join(folder, 'data.json')
  const lines: Array<Record<string, any>> = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, any>)
      done()
    }
  })
  const app = await start(t, dataFile, { logger: { level: 'error', stream } })
  // The folder becomes a regular file: every write fails with ENOTDIR until it is a folder again.
  rmSync(folder, { recursive: true })
  writeFileSync(folder, 'not a folder')

  const created = await app.inject({ method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.equal(created.statusCode, 200)
  await app.mock.store.flush()
  t.equal(app.mock.store.writes, 1, 'the write failed')
  t.equal(lines.length, 1)
  t.match(lines[0], { level: 50, msg: 'cannot write the data file; serving from memory', dataFile, err: { code: 'ENOTDIR' } })

  const served = await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  t.equal(served.statusCode, 200, 'still serving')
  t.match(served.json().result, { default: { status: 'inprogress' } }, 'from memory')

  rmSync(folder)
  mkdirSync(folder)
  await app.close()
  t.equal(app.mock.store.writes, 2, 'close tries again, and succeeds')
  t.ok(readData(dataFile).videos[VIDEOS.empty]!.downloads.default, 'the change made while writes failed is saved')
  t.equal(lines.length, 1, 'no more errors')
})
