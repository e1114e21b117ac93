import t from 'tap'
import { AUTH, VIDEOS, build, downloadsPath } from '../helpers/build.js'
import { until } from '../helpers/wait.js'

t.test('the ticker records transitions and only them', async (t) => {
  const app = await build(t)
  // Default fixtures: one download due at 6 s (40 % -> ready), one at 3 s (30 % -> error at 60 %).
  t.equal(app.mock.clock.advance(1000), 0)
  t.equal(app.mock.clock.advance(2000), 1, 'the failing download at 3 s')
  t.equal(app.mock.clock.advance(2999), 0)
  t.equal(app.mock.clock.advance(1), 1, 'the in-progress download at 6 s')
  t.equal(app.mock.clock.advance(600_000), 0)
  t.equal(app.mock.store.transitionsRecorded, 2)
  t.equal(app.mock.clock.nowMs, 606_000)
})

t.test('a deleted or recreated download leaves a stale schedule entry that is skipped', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  await app.inject({ method: 'DELETE', url: downloadsPath(VIDEOS.inProgress), headers: AUTH })
  t.equal(app.mock.clock.advance(20_000), 2, 'the failing fixture and the new download; the deleted one is skipped')
})

t.test('the wall-clock ticker advances mock time and stops on close', async (t) => {
  const app = await build(t, { autoTick: true, config: { tickMs: 10 } })
  t.ok(app.mock.clock.running)
  app.mock.clock.start()
  // Waits for five ticks, however long a loaded machine takes to fire them.
  await until(() => app.mock.clock.nowMs >= 50)
  t.ok(app.mock.clock.nowMs >= 50, `mock time moved (${app.mock.clock.nowMs} ms)`)
  await app.close()
  t.notOk(app.mock.clock.running)
  const stoppedAt = app.mock.clock.nowMs
  await new Promise((resolve) => setTimeout(resolve, 40))
  t.equal(app.mock.clock.nowMs, stoppedAt, 'no tick after close')
})

t.test('one big clock step and many small ones end in the same state', async (t) => {
  const big = await build(t)
  const small = await build(t)
  for (const app of [big, small]) await app.inject({ method: 'POST', url: downloadsPath(VIDEOS.failsOnCreate), headers: AUTH })
  big.mock.clock.advance(10_000)
  for (let i = 0; i < 100; i++) small.mock.clock.advance(100)
  const read = async (app: typeof big): Promise<string> => (await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.failsOnCreate), headers: AUTH })).body
  t.equal(await read(big), await read(small))
})
