import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Progression } from '../../src/domain/progress.js'
import { DownloadStore } from '../../src/store/download-store.js'

// With the ticker running, the store's clocks follow the wall clock: mock time is derived when
// read, a tick writes down only what came due on the clocks that have something scheduled, and
// clocks with nothing scheduled are never visited.

const ACCOUNT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const VIDEO = '11111111111111111111111111111111'
const DEFAULTS: Progression = { model: 'time', speed: 10, step: 25 }
const silent = { info: () => {}, error: () => {} }

t.test('following the wall clock: reads move between ticks, a tick records what came due', async (t) => {
  let wall = 1_000_000
  const store = await DownloadStore.open({ fixtures: [{ source: 'inline', document: { videos: [{ id: VIDEO, account: ACCOUNT }] } }], defaults: DEFAULTS, log: silent, wallClock: () => wall })
  store.follow(true)
  const video = store.lookup(ACCOUNT, VIDEO)
  if (!video.found) throw new Error('no video')
  store.create(VIDEO, video.video, 'default')
  wall += 4_321
  t.same(store.stateOf(VIDEO, 'default'), { status: 'inprogress', percentComplete: 43.2 }, 'between ticks, the wall time since shows')
  t.equal(store.nowMs, 4_321)

  // Many clocks of their own, frozen and running: none is moved by a tick.
  for (let n = 0; n < 10_000; n++) store.setClock(n % 2 === 0 ? { frozen: true } : { rate: 2 }, n.toString(16).padStart(32, '0'))
  const running = store.clocks.accounts['1'.padStart(32, '0')]
  const anchor = running?.nowMs
  wall += 6_000
  t.equal(store.tick(1000), 1, 'the download came due and was written down')
  t.same(store.stateOf(VIDEO, 'default'), { status: 'ready', percentComplete: 100 })
  t.equal(running?.nowMs, anchor, 'the tick did not touch a clock with nothing scheduled')
  t.equal(store.now('1'.padStart(32, '0')), (anchor as number) + 12_000, 'yet it reads the wall time since, at its rate')

  store.advance(1000, ACCOUNT)
  t.equal(store.now(ACCOUNT), 11_321, 'a step adds to the reading')
  store.setClock({ frozen: true }, ACCOUNT)
  wall += 5_000
  t.equal(store.now(ACCOUNT), 11_321, 'frozen where it read')
  await store.reset()
  wall += 10
  t.equal(store.nowMs, 10, 'a reset starts again at 0 and still follows the wall')
  store.follow(false)
  wall += 10_000
  t.equal(store.nowMs, 10, 'stopped following: mock time stands')
})

t.test('following the wall clock with every clock frozen: time alone asks for no write', async (t) => {
  let wall = 0
  const dataFile = join(t.testdir(), 'data.json')
  const store = await DownloadStore.open({ fixtures: [{ source: 'inline', document: { videos: [{ id: VIDEO, account: ACCOUNT }] } }], defaults: DEFAULTS, log: silent, wallClock: () => wall, dataFile, flushDelayMs: 0, lock: { heartbeatMs: 0 } })
  store.follow(true)
  store.setClock({ frozen: true })
  store.setClock({ frozen: true }, ACCOUNT)
  await store.flush()
  const before = store.writes
  const revision = store.revision
  for (let tick = 0; tick < 5; tick++) { wall += 1000; store.tick(1000); await store.flush() }
  t.equal(store.writes, before, 'nothing written: nothing moved')
  store.setClock({ frozen: false }, ACCOUNT)
  await store.flush()
  const running = store.writes
  wall += 400
  store.tick(1000)
  await store.flush()
  t.equal(store.writes, running + 1, 'a clock runs, and the last note is over a second old: noted')
  wall += 400
  store.tick(1000)
  await store.flush()
  t.equal(store.writes, running + 1, 'within the second: nothing')
  wall += 600
  store.tick(1000)
  await store.flush()
  t.equal(store.writes, running + 2, 'one running clock: that time went on is noted about once a second')
  t.equal(store.revision, revision + 1, 'time alone is no change of the data (the one change: the clock resumed)')
  const log = readFileSync(`${dataFile}.1.log`, 'utf8').trim().split('\n')
  t.same(JSON.parse(log.at(-1) as string), { f: 6400 }, 'one short line: the book time')
  await store.close()
})
