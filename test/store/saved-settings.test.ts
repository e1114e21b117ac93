import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { savedState } from '../helpers/saved-state.js'
import { buildApp } from '../../src/app.js'
import { DATA_FORMAT, type StoreData } from '../../src/schemas/store.js'
import { DownloadStore } from '../../src/store/download-store.js'

// A data file's writer may still be busy in its folder as a test ends (a snapshot after a
// start): tap keeps the folder rather than race it (it clears it before the next run).
t.beforeEach((t) => { t.saveFixture = true })

const read = (file: string): StoreData => savedState(file)

t.test('the global defaults set over the admin API survive a restart; a reset forgets them', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const first = await buildApp({ logger: false, autoTick: false, config: { dataFile, speed: 20 } })
  const set = await first.inject({ method: 'PUT', url: '/__mock/defaults', payload: { failAt: 70 } })
  t.same(set.json().result, { model: 'time', speed: 20, step: 25, failAt: 70 })
  await first.close()
  t.same(read(dataFile).defaults, { failAt: 70 }, 'stored as set, so configuration still fills the rest')

  const second = await buildApp({ logger: false, autoTick: false, config: { dataFile, speed: 50 } })
  t.same((await second.inject({ method: 'GET', url: '/__mock/defaults' })).json().result, { model: 'time', speed: 50, step: 25, failAt: 70 })
  await second.inject({ method: 'POST', url: '/__mock/reset' })
  t.same((await second.inject({ method: 'GET', url: '/__mock/defaults' })).json().result, { model: 'time', speed: 50, step: 25 })
  await second.close()
  t.equal(read(dataFile).defaults, undefined)
})

t.test('the ticker asks for mock time to be saved about once a second, not on every tick', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  let wall = 0
  const store = await DownloadStore.open({
    fixtures: [{ source: 'inline', document: { videos: [] } }],
    defaults: { model: 'time', speed: 10, step: 25 },
    dataFile,
    flushDelayMs: 0,
    log: { info: () => {}, error: () => {} },
    wallClock: () => wall
  })
  t.teardown(async () => { await store.close().catch(() => {}) }) // the folder is gone by then
  const settle = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 20)); await store.flush() }
  const writesAtStart = store.writes
  for (let i = 0; i < 5; i++, wall += 100) store.tick(100)
  await settle()
  t.equal(store.writes, writesAtStart, 'ticks within the first second write nothing')
  wall = 1000
  store.tick(100)
  await settle()
  t.equal(store.writes, writesAtStart + 1, 'a tick a second later asks for one write')
  t.equal(read(dataFile).clock.nowMs, 600, 'holding the mock time of that tick')
  store.setClock({ frozen: true })
  await settle()
  wall = 5000
  store.tick(100)
  await settle()
  t.equal(store.writes, writesAtStart + 2, 'the freeze was saved; a tick of a frozen clock asks for nothing more')
})

t.test('account clocks are saved with the data and resume after a restart', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const account = 'a1'.repeat(16)
  const first = await buildApp({ logger: false, autoTick: false, config: { dataFile } })
  await first.inject({ method: 'POST', url: '/__mock/clock/freeze', payload: { account } })
  await first.inject({ method: 'POST', url: '/__mock/clock/advance', payload: { account, ms: 7000 } })
  await first.inject({ method: 'PUT', url: '/__mock/clock/rate', payload: { account, rate: 3 } })
  await first.close()
  t.same(read(dataFile).accountClocks, { [account]: { nowMs: 7000, frozen: true, rate: 3 } })

  const second = await buildApp({ logger: false, autoTick: false, config: { dataFile } })
  t.teardown(async () => { await second.close().catch(() => {}) }) // the folder is gone by then
  const clock = (await second.inject({ method: 'GET', url: `/__mock/clock?account=${account}` })).json().result
  t.match(clock, { scope: 'account', nowMs: 7000, frozen: true, rate: 3 })
})

t.test('a data file may leave out a clock\'s frozen and rate: running at rate 1', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const account = 'a1'.repeat(16)
  writeFileSync(dataFile, JSON.stringify({ format: DATA_FORMAT, clock: { nowMs: 10 }, accountClocks: { [account]: { nowMs: 20 } }, videos: {} }))
  const app = await buildApp({ logger: false, autoTick: false, config: { dataFile } })
  t.teardown(async () => { await app.close().catch(() => {}) }) // the folder is gone by then
  t.match((await app.inject({ method: 'GET', url: `/__mock/clock?account=${account}` })).json().result, { scope: 'account', nowMs: 20, frozen: false, rate: 1 })
  t.match((await app.inject({ method: 'GET', url: '/__mock/clock' })).json().result, { scope: 'global', nowMs: 10, frozen: false, rate: 1 })
})
