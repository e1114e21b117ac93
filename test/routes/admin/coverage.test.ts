import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { COVERAGE_FORMAT } from '../../../src/plugins/coverage.js'
import { ACCOUNT, AUTH, OTHER_ACCOUNT, VIDEOS, build, downloadsPath } from '../../helpers/build.js'

const admin = async (app: FastifyInstance, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object): Promise<any> => {
  const response = await app.inject({ method, url: `/__mock${url}`, ...(payload === undefined ? {} : { payload }) })
  return response.json()
}

t.test('what the account\'s clients were shown, kept across resets', async (t) => {
  const app = await build(t)
  const cf = async (method: 'GET' | 'POST' | 'DELETE' | 'PUT', video: string, type?: string, headers: Record<string, string> = {}): Promise<number> =>
    (await app.inject({ method, url: downloadsPath(video, ACCOUNT, type), headers: { ...AUTH, ...headers } })).statusCode

  await cf('GET', VIDEOS.ready)
  await cf('GET', VIDEOS.ready)
  await cf('GET', VIDEOS.failed)
  await cf('GET', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee')
  await cf('PUT', VIDEOS.ready)
  await cf('GET', VIDEOS.ready, undefined, { prefer: 'code=500' })
  await admin(app, 'POST', '/faults', { match: { video: VIDEOS.inProgress }, status: 429, retryAfter: 1000, times: 1 })
  await cf('GET', VIDEOS.inProgress)
  await cf('GET', VIDEOS.inProgress)
  await admin(app, 'POST', '/reset')
  await cf('POST', VIDEOS.empty, 'audio')
  await app.inject({ method: 'GET', url: '/client/v4/accounts/not-an-account/stream/nor-a-video/downloads', headers: AUTH })

  const { result } = await admin(app, 'GET', `/coverage?account=${ACCOUNT}`)
  t.match(result.accounts[0], {
    account: ACCOUNT,
    requests: 9,
    operations: { 'GET downloads': 7, 'POST downloads/{download_type}': 1 },
    neverCalled: ['HEAD downloads', 'POST downloads', 'DELETE downloads', 'DELETE downloads/{download_type}'],
    statuses: { 200: 5, 404: 1, 405: 1, 500: 1, 429: 1 },
    errorCodes: { 10003: 1, 10000: 1, 10001: 1, 971: 1 },
    statesSeen: { default: { ready: 2, error: 1, inprogress: 1 }, audio: { ready: 2, inprogress: 1 } },
    faults: { taken: 1, preferForced: 1 },
    retryAfter: { asked: 1, honoured: 0, notHonoured: 1, pending: 0 },
    pollsAfterReady: 1
  })
  const all = (await admin(app, 'GET', '/coverage')).result
  t.same(all.accounts.map((coverage: { account: string }) => coverage.account), [ACCOUNT])
  t.equal(all.untracked, 1, 'a malformed account is counted apart')
  t.equal((await admin(app, 'GET', `/coverage?account=${OTHER_ACCOUNT}`)).result.accounts[0].requests, 0, 'an account never seen')
  t.same((await admin(app, 'DELETE', `/coverage?account=${ACCOUNT}`)).result, { cleared: 1 })
  t.same((await admin(app, 'DELETE', '/coverage')).result, { cleared: 0 })
  t.equal((await admin(app, 'GET', '/coverage?account=nope')).errors[0].message.startsWith('querystring.account'), true)
})

t.test('with a coverage file, the report is written when the app closes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'coverage-'))
  const file = join(dir, 'coverage.json')
  const app = await build(t, { config: { coverageFile: file } })
  await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  await app.close()
  const written = JSON.parse(await readFile(file, 'utf8'))
  t.match(written, { format: COVERAGE_FORMAT, writtenAt: String, accounts: [{ account: ACCOUNT, requests: 1 }], untracked: 0 })

  const nowhere = await build(t, { config: { coverageFile: join(dir, 'missing', 'coverage.json') } })
  await nowhere.close()
  t.pass('a report that cannot be written is logged; the close goes on')
})
