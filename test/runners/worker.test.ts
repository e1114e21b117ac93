import t from 'tap'
import {
  ACCOUNT_PREFIX, ENV_ADMIN_TOKEN, ENV_URL, MAX_WORKER, PROVIDE_KEY, RunnerSetupError, VIDEO_PREFIX, connectionEnvironment,
  connectionFromEnvironment, providedConnection, workerAccount, workerNumber, workerVideo
} from '../../src/runners/worker.js'

// The pure part of the runner helpers: worker ids, the ids a worker owns, and the connection as
// vitest's inject and jest's environment carry it.

const ID = /^[0-9a-f]{32}$/

t.test('a worker id is a decimal integer from 1', async (t) => {
  t.equal(workerNumber('1', 'VITEST_POOL_ID'), 1)
  t.equal(workerNumber('12', 'JEST_WORKER_ID'), 12)
  t.equal(workerNumber(String(MAX_WORKER), 'JEST_WORKER_ID'), MAX_WORKER)
  t.throws(() => workerNumber(undefined, 'VITEST_POOL_ID'), new RunnerSetupError('VITEST_POOL_ID is not set: the mock\'s worker helpers run inside a test runner\'s worker'))
  t.throws(() => workerNumber('', 'JEST_WORKER_ID'), { name: 'RunnerSetupError', message: /JEST_WORKER_ID is not set/ })
  for (const bad of ['0', '-1', '1.5', 'x', ' 2', '1000000000000', '0000000000000']) {
    t.throws(() => workerNumber(bad, 'JEST_WORKER_ID'), { name: 'RunnerSetupError', message: `JEST_WORKER_ID is ${JSON.stringify(bad)}: expected an integer from 1 to ${MAX_WORKER}` }, bad)
  }
})

t.test('each worker owns an account and video ids no other worker has', async (t) => {
  t.equal(workerAccount(3), '7e57acc0000000000000000000000003')
  t.equal(workerAccount(MAX_WORKER), `${ACCOUNT_PREFIX}000000000000${MAX_WORKER}`)
  t.equal(workerVideo(3), '7e571de0000000000003000000000000')
  t.equal(workerVideo(3, 12), '7e571de0000000000003000000000012')
  t.equal(workerVideo(MAX_WORKER, MAX_WORKER), `${VIDEO_PREFIX}${MAX_WORKER}${MAX_WORKER}`)
  const ids = new Set<string>()
  for (const worker of [1, 2, 10, 11, 100]) {
    ids.add(workerAccount(worker))
    for (const index of [0, 1, 10]) ids.add(workerVideo(worker, index))
  }
  t.equal(ids.size, 5 * 4, 'no two ids alike')
  for (const id of ids) t.match(id, ID, `${id} is a Cloudflare id`)
  for (const bad of [-1, 1.5, MAX_WORKER + 1, Number.NaN]) {
    t.throws(() => workerVideo(1, bad), new RangeError(`video index ${bad}: expected an integer from 0 to ${MAX_WORKER}`))
  }
})

t.test('jest\'s workers get the connection through the environment', async (t) => {
  t.same(connectionEnvironment({ url: 'http://127.0.0.1:1' }), { [ENV_URL]: 'http://127.0.0.1:1' })
  const withToken = connectionEnvironment({ url: 'http://127.0.0.1:1', adminToken: 'secret' })
  t.same(withToken, { STREAM_DOWNLOADS_MOCK_URL: 'http://127.0.0.1:1', STREAM_DOWNLOADS_MOCK_ADMIN_TOKEN: 'secret' })
  t.same(connectionFromEnvironment(withToken), { url: 'http://127.0.0.1:1', adminToken: 'secret' })
  t.same(connectionFromEnvironment({ [ENV_URL]: 'http://127.0.0.1:1', [ENV_ADMIN_TOKEN]: '' }), { url: 'http://127.0.0.1:1' })
  t.same(connectionFromEnvironment({ [ENV_URL]: 'http://127.0.0.1:1' }), { url: 'http://127.0.0.1:1' })
  for (const env of [{}, { [ENV_URL]: '' }]) {
    t.throws(() => connectionFromEnvironment(env), { name: 'RunnerSetupError', message: /^STREAM_DOWNLOADS_MOCK_URL is not set: add globalSetup: 'stream-downloads-mock\/jest\/global-setup'/ })
  }
})

t.test('vitest\'s workers get the connection through inject, checked', async (t) => {
  t.equal(PROVIDE_KEY, 'streamDownloadsMock')
  t.same(providedConnection({ url: 'http://127.0.0.1:1' }), { url: 'http://127.0.0.1:1' })
  t.same(providedConnection({ url: 'http://127.0.0.1:1', adminToken: 'secret', other: 1 }), { url: 'http://127.0.0.1:1', adminToken: 'secret' })
  t.same(providedConnection({ url: 'http://127.0.0.1:1', adminToken: 7 }), { url: 'http://127.0.0.1:1' })
  for (const value of [undefined, null, 'http://127.0.0.1:1', {}, { url: 1 }]) {
    t.throws(() => providedConnection(value), { name: 'RunnerSetupError', message: /^inject\('streamDownloadsMock'\) gave nothing: add globalSetup: \['stream-downloads-mock\/vitest\/global-setup'\]/ })
  }
})
