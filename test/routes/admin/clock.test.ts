import t, { type Test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { api } from '../../helpers/api.js'
import { ACCOUNT, AUTH, VIDEOS, build, downloadsPath } from '../../helpers/build.js'

async function admin (app: FastifyInstance, method: string, path: string, payload?: object): Promise<{ statusCode: number, body: any }> {
  const res = await app.inject({ method: method as InjectOptions['method'], url: `/__mock${path}`, ...(payload === undefined ? {} : { payload }) })
  return { statusCode: res.statusCode, body: res.json() }
}

const success = (result: unknown): object => ({ result, success: true, errors: [], messages: [] })
const globalClock = (nowMs: number, extra: object = {}): object => ({ scope: 'global', nowMs, frozen: false, rate: 1, tickMs: 1000, ticking: false, ...extra })

async function percentOf (t: Test, app: FastifyInstance, video: string, account = ACCOUNT): Promise<unknown> {
  return (await api(t, app, { method: 'GET', url: downloadsPath(video, account), headers: AUTH })).body.result.default
}

t.test('GET /clock shows the global clock', async (t) => {
  const app = await build(t)
  const res = await admin(app, 'GET', '/clock')
  t.equal(res.statusCode, 200)
  t.strictSame(res.body, success(globalClock(0)))
  const ticking = await build(t, { autoTick: true, config: { tickMs: 60_000 } })
  const shown = (await admin(ticking, 'GET', '/clock')).body.result
  t.strictSame({ ...shown, nowMs: 0 }, globalClock(0, { tickMs: 60_000, ticking: true }), 'tickMs and whether the ticker runs')
  t.ok(shown.nowMs >= 0, 'a ticking clock reads the wall time since the start, not the ticks')
})

t.test('freeze: the wall-clock tick does not move it, advance still does; resume', async (t) => {
  const app = await build(t)
  const frozen = await admin(app, 'POST', '/clock/freeze')
  t.strictSame(frozen.body, success(globalClock(0, { frozen: true })), 'no body needed')
  app.mock.clock.tick()
  app.mock.clock.tick()
  t.strictSame((await admin(app, 'GET', '/clock')).body.result, globalClock(0, { frozen: true }))
  t.match(await percentOf(t, app, VIDEOS.inProgress), { status: 'inprogress', percentComplete: 40 })

  const stepped = await admin(app, 'POST', '/clock/advance', { ms: 1000 })
  t.strictSame(stepped.body.result.clock, globalClock(1000, { frozen: true }), 'advance moves a frozen clock')
  t.match(await percentOf(t, app, VIDEOS.inProgress), { status: 'inprogress', percentComplete: 50 })

  const resumed = await admin(app, 'POST', '/clock/resume', {})
  t.strictSame(resumed.body, success(globalClock(1000)))
  app.mock.clock.tick()
  t.strictSame((await admin(app, 'GET', '/clock')).body.result, globalClock(2000))
  t.match(await percentOf(t, app, VIDEOS.inProgress), { status: 'inprogress', percentComplete: 60 })
})

t.test('advance answers the resulting clock, the transitions and every video\'s new state', async (t) => {
  const app = await build(t)
  const res = await admin(app, 'POST', '/clock/advance', { ms: 6000 })
  t.equal(res.statusCode, 200)
  const { clock, transitions, videos } = res.body.result
  t.strictSame(clock, globalClock(6000))
  t.equal(transitions, 2, 'the in-progress video became ready and the failing one error')
  t.equal(videos.length, 6)
  const byId = new Map(videos.map((video: { id: string }) => [video.id, video]))
  t.strictSame(byId.get(VIDEOS.inProgress), { id: VIDEOS.inProgress, account: ACCOUNT, downloads: { default: { status: 'ready', percentComplete: 100, model: 'time', speed: 10, step: 25 } }, onCreate: {} })
  t.strictSame(byId.get(VIDEOS.failing), { id: VIDEOS.failing, account: ACCOUNT, downloads: { default: { status: 'error', percentComplete: 60, model: 'time', speed: 10, step: 25, failAt: 60 } }, onCreate: {} })
  t.strictSame(byId.get(VIDEOS.failsOnCreate), { id: VIDEOS.failsOnCreate, account: ACCOUNT, downloads: {}, onCreate: { default: { failAt: 60 }, audio: { failAt: 60 } } })
  const zero = await admin(app, 'POST', '/clock/advance', { ms: 0 })
  t.equal(zero.body.result.transitions, 0)
  t.equal(zero.body.result.clock.nowMs, 6000)
})

t.test('advance lists the videos only when there are at most 500, or those of the account named', async (t) => {
  const hex = (n: number): string => n.toString(16).padStart(32, '0')
  const app = await build(t, { fixtures: { videos: Array.from({ length: 501 }, (_, n) => ({ id: hex(n + 1), account: ACCOUNT })) } })
  const all = await admin(app, 'POST', '/clock/advance', { ms: 1 })
  t.strictSame(all.body.result, { clock: globalClock(1), transitions: 0 }, 'no videos key')
  const one = await admin(app, 'POST', '/clock/advance', { ms: 1, account: ACCOUNT })
  t.equal(one.body.result.videos.length, 501)
  t.equal(one.body.result.clock.scope, 'account')
})

t.test('one advance of 10 000 ms and ten of 1 000 ms end in the same state', async (t) => {
  const setUp = async (): Promise<FastifyInstance> => {
    const app = await build(t)
    await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
    await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.failsOnCreate, ACCOUNT, 'audio'), headers: AUTH })
    await admin(app, 'PUT', `/videos/${VIDEOS.ready}/downloads/audio`, { percentComplete: 5, speed: 7.3, holdAt: 77.7 })
    return app
  }
  const once = await setUp()
  const tenTimes = await setUp()
  const big = await admin(once, 'POST', '/clock/advance', { ms: 10_000 })
  let small = 0
  for (let i = 0; i < 10; i++) small += (await admin(tenTimes, 'POST', '/clock/advance', { ms: 1000 })).body.result.transitions
  t.equal(big.body.result.transitions, small, 'the same transitions')
  t.strictSame((await admin(tenTimes, 'GET', '/clock')).body, (await admin(once, 'GET', '/clock')).body)
  t.strictSame((await admin(tenTimes, 'GET', '/videos')).body, (await admin(once, 'GET', '/videos')).body)
  for (const video of Object.values(VIDEOS)) {
    const a = await api(t, once, { method: 'GET', url: downloadsPath(video), headers: AUTH })
    const b = await api(t, tenTimes, { method: 'GET', url: downloadsPath(video), headers: AUTH })
    t.strictSame(b.body, a.body, `the same GET answer for ${video}`)
  }
  t.match(await percentOf(t, once, VIDEOS.empty), { status: 'ready', percentComplete: 100 })
})

t.test('rate 10: one tick of tickMs moves the clock ten times as far; rate 0 stands still', async (t) => {
  const app = await build(t)
  const set = await admin(app, 'PUT', '/clock/rate', { rate: 10 })
  t.strictSame(set.body, success(globalClock(0, { rate: 10 })))
  app.mock.clock.tick()
  t.strictSame((await admin(app, 'GET', '/clock')).body.result, globalClock(10_000, { rate: 10 }))
  t.match(await percentOf(t, app, VIDEOS.inProgress), { status: 'ready', percentComplete: 100 }, '40 % + 10 s at 10 %/s')
  await admin(app, 'PUT', '/clock/rate', { rate: 0 })
  app.mock.clock.tick()
  t.equal((await admin(app, 'GET', '/clock')).body.result.nowMs, 10_000)
})

t.test('per-account clocks: freezing or stepping account A moves nothing of account B', async (t) => {
  const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
  const B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
  const VA = 'a0000000000000000000000000000001'
  const VB = 'b0000000000000000000000000000001'
  const app = await build(t, {
    fixtures: {
      videos: [
        { id: VA, account: A, downloads: { default: { percentComplete: 0 } } },
        { id: VB, account: B, downloads: { default: { percentComplete: 0 } } }
      ]
    }
  })
  const frozen = await admin(app, 'POST', '/clock/freeze', { account: A })
  t.strictSame(frozen.body.result, { scope: 'account', account: A, nowMs: 0, frozen: true, rate: 1, tickMs: 1000, ticking: false })
  t.strictSame((await admin(app, 'GET', `/clock?account=${A}`)).body.result, { scope: 'account', account: A, nowMs: 0, frozen: true, rate: 1, tickMs: 1000, ticking: false })
  t.strictSame((await admin(app, 'GET', `/clock?account=${B}`)).body.result, globalClock(0, { account: B }), 'B follows the global clock')
  t.strictSame((await admin(app, 'GET', '/clock')).body.result, globalClock(0), 'the global clock is not frozen')

  app.mock.clock.tick()
  t.match(await percentOf(t, app, VA, A), { status: 'inprogress', percentComplete: 0 }, 'A is frozen')
  t.match(await percentOf(t, app, VB, B), { status: 'inprogress', percentComplete: 10 }, 'B moved with the global clock')

  const stepped = await admin(app, 'POST', '/clock/advance', { ms: 5000, account: A })
  t.strictSame(stepped.body.result, {
    clock: { scope: 'account', account: A, nowMs: 5000, frozen: true, rate: 1, tickMs: 1000, ticking: false },
    transitions: 0,
    videos: [{ id: VA, account: A, downloads: { default: { status: 'inprogress', percentComplete: 50, model: 'time', speed: 10, step: 25 } }, onCreate: {} }]
  }, 'only A\'s videos are listed')
  t.match(await percentOf(t, app, VB, B), { status: 'inprogress', percentComplete: 10 }, 'B did not move')
  t.equal((await admin(app, 'GET', '/clock')).body.result.nowMs, 1000, 'nor did the global clock')

  const resumed = await admin(app, 'POST', '/clock/resume', { account: A })
  t.strictSame(resumed.body.result, { scope: 'account', account: A, nowMs: 5000, frozen: false, rate: 1, tickMs: 1000, ticking: false })
  const rated = await admin(app, 'PUT', '/clock/rate', { rate: 2, account: A })
  t.equal(rated.body.result.rate, 2)
  app.mock.clock.tick()
  t.equal((await admin(app, 'GET', `/clock?account=${A}`)).body.result.nowMs, 7000, 'A at twice real time')
  t.equal((await admin(app, 'GET', '/clock')).body.result.nowMs, 2000)
  t.match(await percentOf(t, app, VA, A), { status: 'inprogress', percentComplete: 70 })
  t.match(await percentOf(t, app, VB, B), { status: 'inprogress', percentComplete: 20 })

  await admin(app, 'POST', '/clock/freeze')
  app.mock.clock.tick()
  t.match(await percentOf(t, app, VB, B), { status: 'inprogress', percentComplete: 20 }, 'freezing the global clock freezes B')
  t.match(await percentOf(t, app, VA, A), { status: 'inprogress', percentComplete: 90 }, 'but not A')
})
