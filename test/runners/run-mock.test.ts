import t from 'tap'
import closeDefault from '../../src/runners/jest-global-teardown.js'
import jestSetupDefault, { RUN_MOCK, closeRunMock, mockGlobalSetup as jestGlobalSetup } from '../../src/runners/jest-global-setup.js'
import { workerMock } from '../../src/runners/jest.js'
import { startRunMock } from '../../src/runners/run-mock.js'
import vitestSetupDefault, { mockGlobalSetup as vitestGlobalSetup } from '../../src/runners/vitest-global-setup.js'
import { createWorkerMock } from '../../src/runners/worker-mock.js'
import { ENV_ADMIN_TOKEN, ENV_URL, RunnerSetupError, workerAccount, workerVideo } from '../../src/runners/worker.js'
import { AUTH, downloadsPath } from '../helpers/build.js'

// The runner glue against a real mock on a free port, without the runners: what the globalSetups
// start and hand out, and what a worker does with it. vitest and jest themselves run these
// modules in `npm run test:runners` (scripts/runner-test.sh).

const healthy = async (url: string): Promise<number> => (await fetch(`${url}/healthz`)).status

t.test('the run mock: a free port, the admin token passed on', async (t) => {
  const plain = await startRunMock({ autoTick: false })
  t.teardown(plain.close)
  t.match(plain.connection, { url: /^http:\/\/127\.0\.0\.1:\d+$/ })
  t.notOk('adminToken' in plain.connection)
  t.equal(await healthy(plain.connection.url), 200)
  const guarded = await startRunMock({ autoTick: false, config: { adminToken: 'secret' } })
  t.teardown(guarded.close)
  t.equal(guarded.connection.adminToken, 'secret')
})

t.test('a worker\'s share: its account, its videos, its reset, and no one else\'s', async (t) => {
  const run = await startRunMock({ autoTick: false, config: { adminToken: 'secret' } })
  t.teardown(run.close)
  const one = createWorkerMock(run.connection, 1)
  const two = createWorkerMock(run.connection, 2)
  t.equal(one.worker, 1)
  t.equal(one.account, workerAccount(1))
  t.equal(one.url, run.connection.url)
  t.equal(one.apiUrl, `${run.connection.url}/client/v4`)
  t.equal(one.accountAdmin.account, one.account)
  t.equal(one.videoId(), workerVideo(1, 0))
  t.equal(one.videoId(4), workerVideo(1, 4))

  const made = await one.putVideo()
  t.match(made, { id: one.videoId(0), account: one.account })
  t.match(await one.putVideo(1, { downloads: { default: { status: 'inprogress', percentComplete: 10 } } }), { id: one.videoId(1), downloads: { default: { status: 'inprogress' } } })
  await two.putVideo()
  await one.accountAdmin.freeze()
  const created = await fetch(`${one.url}${downloadsPath(one.videoId(0), one.account)}`, { method: 'POST', headers: AUTH })
  t.equal(created.status, 200)
  await one.accountAdmin.advance(10_000)
  t.match(await one.accountAdmin.waitFor({ video: one.videoId(0), status: 'ready' }), { already: true })
  t.same((await one.accountAdmin.videos()).map((video) => video.id), [one.videoId(0), one.videoId(1)])
  t.same((await two.accountAdmin.videos()).map((video) => video.id), [two.videoId(0)])

  t.match(await one.reset(), { reset: one.account })
  t.same(await one.accountAdmin.videos(), [], 'the reset took the worker\'s videos')
  t.equal((await one.accountAdmin.clock()).frozen, false, 'and its clock')
  t.same((await two.accountAdmin.videos()).map((video) => video.id), [two.videoId(0)], 'the other worker keeps its own')
  // The admin client carries the run's token: without it the admin API refuses.
  const refused = await createWorkerMock({ url: run.connection.url }, 3).reset().catch((error: unknown) => error)
  t.match(refused, { name: 'AdminApiError', status: 401 })
})

t.test('vitest: the globalSetup provides the connection and answers the teardown', async (t) => {
  t.type(vitestSetupDefault, 'function', 'the default export is a globalSetup with the defaults')
  const provided: Array<[string, unknown]> = []
  const project = { provide: (key: never, value: never) => { provided.push([key, value]) } }
  const teardown = await vitestGlobalSetup({ autoTick: false, config: { adminToken: 'secret' } })(project)
  t.equal(provided.length, 1)
  const [key, connection] = provided[0] as [string, { url: string, adminToken: string }]
  t.equal(key, 'streamDownloadsMock')
  t.equal(connection.adminToken, 'secret')
  t.equal(await healthy(connection.url), 200)
  await teardown()
  await t.rejects(fetch(`${connection.url}/healthz`), 'the teardown closed the mock')
})

t.test('jest: the globalSetup sets the environment the workers inherit; the teardown closes', async (t) => {
  t.type(jestSetupDefault, 'function', 'the default export is a globalSetup with the defaults')
  const env: Record<string, string | undefined> = { JEST_WORKER_ID: '2' }
  const setup = jestGlobalSetup({ autoTick: false, config: { adminToken: 'secret' } }, env)
  await setup()
  const url = env[ENV_URL] as string
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(env[ENV_ADMIN_TOKEN], 'secret')
  const held = (globalThis as unknown as Record<symbol, unknown>)[RUN_MOCK]
  await setup()
  t.equal((globalThis as unknown as Record<symbol, unknown>)[RUN_MOCK], held, 'a second setup keeps the one mock')
  t.equal(env[ENV_URL], url)

  const mock = workerMock(env)
  t.equal(mock.worker, 2)
  t.equal(mock.account, workerAccount(2))
  t.equal(mock.url, url)
  t.match(await mock.reset(), { reset: mock.account }, 'with the admin token from the environment')

  await closeDefault()
  t.equal((globalThis as unknown as Record<symbol, unknown>)[RUN_MOCK], undefined)
  await t.rejects(fetch(`${url}/healthz`), 'the teardown closed the mock')
  await closeRunMock()
  t.pass('a teardown without a mock does nothing')
})

t.test('jest: workerMock outside a worker or without the globalSetup says what is missing', async (t) => {
  t.throws(() => workerMock({ JEST_WORKER_ID: '1' }), RunnerSetupError)
  t.throws(() => workerMock({ [ENV_URL]: 'http://127.0.0.1:1' }), { name: 'RunnerSetupError', message: /JEST_WORKER_ID is not set/ })
  const saved = process.env.JEST_WORKER_ID
  t.teardown(() => { if (saved === undefined) delete process.env.JEST_WORKER_ID; else process.env.JEST_WORKER_ID = saved })
  delete process.env.JEST_WORKER_ID
  t.throws(() => workerMock(), RunnerSetupError, 'process.env by default')
})
