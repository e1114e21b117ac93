import t from 'tap'
import { AdminApiError, AdminClient, startMock, type RunningMock, type StartOptions } from '../src/index.js'
import { startApp } from '../src/start.js'
import { ACCOUNT, AUTH, OTHER_ACCOUNT, UNKNOWN_VIDEO, VIDEOS, downloadsPath } from './helpers/build.js'

// The typed admin client against the real server on a free port: every method, the token, and
// the errors it turns failure envelopes (and answers that are no envelope) into.

interface TapLike { teardown: (fn: () => unknown) => void }

const NEW_VIDEO = 'abcdefabcdefabcdefabcdefabcdef01'
const OTHER_VIDEO = 'abcdefabcdefabcdefabcdefabcdef02'

/** Starts the mock with no ticker, closed when the test ends. */
async function start (t: TapLike, options: StartOptions = {}): Promise<RunningMock> {
  const mock = await startMock({ port: 0, autoTick: false, ...options })
  t.teardown(() => mock.close())
  return mock
}

/** One GET of a video's downloads on the Cloudflare surface; answers the status. */
async function poll (mock: RunningMock, video: string, account: string = ACCOUNT): Promise<number> {
  const response = await fetch(`${mock.url}${downloadsPath(video, account)}`, { headers: AUTH })
  await response.arrayBuffer()
  return response.status
}

/** Awaits a promise that must reject with an AdminApiError; returns the error. */
async function adminErrorOf (promise: Promise<unknown>): Promise<AdminApiError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AdminApiError) return error
    throw error
  }
  throw new Error('expected an AdminApiError')
}

t.test('scenario: defaults, fixtures and reset', async (t) => {
  const { admin } = await start(t)
  t.same(await admin.defaults(), { model: 'time', speed: 10, step: 25 })
  t.same(await admin.setDefaults({ speed: 20, failAt: 80 }), { model: 'time', speed: 20, step: 25, failAt: 80 })
  t.same(await admin.defaults(), { model: 'time', speed: 20, step: 25, failAt: 80 })

  t.same(await admin.loadFixtures({ videos: [{ id: NEW_VIDEO, account: ACCOUNT, downloads: { default: { status: 'ready' } } }] }), { loaded: 1, created: 1 })
  t.match(await admin.video(NEW_VIDEO), { id: NEW_VIDEO, account: ACCOUNT, downloads: { default: { status: 'ready', percentComplete: 100 } } })
  const bad = await adminErrorOf(admin.loadFixtures({ videos: [{ id: NEW_VIDEO, account: ACCOUNT, downloads: { default: { status: 'ready', percentComplete: 50 } } }] }))
  t.equal(bad.status, 400)
  t.match(bad.message, /^body: \$\.videos\[0\]\.downloads\.default/, 'the fixture checks name the JSON path')

  t.same(await admin.reset(), { reset: 'all', videos: 6 })
  t.same(await admin.defaults(), { model: 'time', speed: 10, step: 25 }, 'reset restores the default progression')
  t.equal((await adminErrorOf(admin.video(NEW_VIDEO))).status, 404, 'the loaded video is gone')
})

t.test('videos and their downloads', async (t) => {
  const { admin } = await start(t)
  const videos = await admin.videos()
  t.equal(videos.length, 6)
  t.same((await admin.videos(ACCOUNT)).map((video) => video.id), videos.map((video) => video.id))
  t.same(await admin.videos(OTHER_ACCOUNT), [])
  const page = await admin.videoPage({ offset: 2, limit: 3 })
  t.same(page, { videos: videos.slice(2, 5), total: 6 }, 'a page, and the total')
  t.same(await admin.videoPage({ account: OTHER_ACCOUNT }), { videos: [], total: 0 })
  t.match(await admin.video(VIDEOS.ready), { downloads: { default: { status: 'ready' }, audio: { status: 'ready' } } })
  t.match(await admin.video(VIDEOS.inProgress), { downloads: { default: { status: 'inprogress', percentComplete: 40 } } })
  t.same((await admin.video(VIDEOS.empty)).downloads, {})

  const created = await admin.createVideo({ id: NEW_VIDEO, account: OTHER_ACCOUNT, downloads: { default: { percentComplete: 10, model: 'manual' } } })
  t.match(created, { id: NEW_VIDEO, account: OTHER_ACCOUNT, downloads: { default: { status: 'inprogress', percentComplete: 10, model: 'manual' } } })
  const exists = await adminErrorOf(admin.createVideo({ id: NEW_VIDEO, account: OTHER_ACCOUNT }))
  t.equal(exists.status, 409)

  t.same((await admin.putVideo(NEW_VIDEO, { account: OTHER_ACCOUNT })).downloads, {}, 'put replaces the whole video')
  t.match(await admin.setDownload(NEW_VIDEO, 'default', { percentComplete: 20, speed: 10 }), { downloads: { default: { status: 'inprogress', percentComplete: 20, model: 'time', speed: 10 } } })
  t.match(await admin.patchDownload(NEW_VIDEO, 'default', { holdAt: 50 }), { downloads: { default: { holdAt: 50 } } })
  await admin.advance(10_000)
  t.match(await admin.video(NEW_VIDEO), { downloads: { default: { status: 'inprogress', percentComplete: 50 } } }, 'held at 50 %')
  const released = await admin.patchDownload(NEW_VIDEO, 'default', { holdAt: null })
  t.equal(released.downloads.default?.holdAt, undefined, 'holdAt: null releases the hold')
  t.match(await admin.setDownload(NEW_VIDEO, 'audio', { status: 'error', percentComplete: 30 }), { downloads: { audio: { status: 'error', percentComplete: 30 } } })
  t.same(Object.keys((await admin.deleteDownload(NEW_VIDEO, 'default')).downloads), ['audio'])
  t.equal((await adminErrorOf(admin.deleteDownload(NEW_VIDEO, 'default'))).status, 404, 'no default download left')

  t.same((await admin.setOnCreate(VIDEOS.empty, 'audio', { model: 'immediate' })).onCreate, { audio: { model: 'immediate' } })
  t.same((await admin.clearOnCreate(VIDEOS.empty, 'audio')).onCreate, {})

  await admin.deleteVideo(NEW_VIDEO)
  const gone = await adminErrorOf(admin.video(NEW_VIDEO))
  t.equal(gone.status, 404)
  t.equal((await adminErrorOf(admin.deleteVideo(NEW_VIDEO))).status, 404)
})

t.test('accounts: declare one with no videos, read it, change it, remove it', async (t) => {
  const { admin } = await start(t)
  const account = '0000000000000000000000000000acc1'
  t.same(await admin.accounts(), [])
  t.match(await admin.putAccount(account), { id: account, declared: true, videos: 0, videoDefaults: { model: 'time' } })
  t.match(await admin.putAccount(account, { progression: { model: 'polls', step: 50 } }), { progression: { model: 'polls', step: 50 }, videoDefaults: { model: 'polls', step: 50 } })
  t.same((await admin.accounts()).map((view) => view.id), [account])
  t.match(await admin.account(ACCOUNT), { declared: false, videos: 6 })
  await admin.deleteAccount(account)
  t.equal((await adminErrorOf(admin.account(account))).status, 404)
  t.equal((await adminErrorOf(admin.deleteAccount(account))).status, 404)
})

t.test('the clock: freeze, step, rate, resume', async (t) => {
  const { admin } = await start(t)
  t.same(await admin.clock(), { scope: 'global', nowMs: 0, frozen: false, rate: 1, tickMs: 1000, ticking: false })
  t.match(await admin.freeze(), { scope: 'global', frozen: true })

  const first = await admin.advance(2000)
  t.match(first, { clock: { nowMs: 2000, frozen: true }, transitions: 0 })
  t.match(first.videos?.find((video) => video.id === VIDEOS.inProgress), { downloads: { default: { status: 'inprogress', percentComplete: 60 } } })
  const second = await admin.advance(4000)
  t.equal(second.transitions, 2, 'the 40 % download is ready, the failing one failed at 60 %')
  t.match(await admin.video(VIDEOS.inProgress), { downloads: { default: { status: 'ready', percentComplete: 100 } } })

  t.match(await admin.setRate(5), { rate: 5, frozen: true })
  t.match(await admin.resume(), { frozen: false, rate: 5, nowMs: 6000 })
  t.match(await admin.clock(ACCOUNT), { scope: 'global', account: ACCOUNT, nowMs: 6000 }, 'an account follows the global clock until it gets its own')
})

t.test('fault rules, the journal and the polling report', async (t) => {
  const mock = await start(t)
  const { admin } = mock
  const rule = await admin.addFault({ match: { video: VIDEOS.ready, method: 'GET' }, status: 503, times: 1, retryAfterMs: 20 })
  t.match(rule, { id: 'f1', status: 503, hits: 0, remaining: 1 })
  t.same((await admin.faults()).map((listed) => listed.id), ['f1'])
  t.same(await admin.faults(ACCOUNT), [], 'with an account, only the rules scoped to it')

  t.equal(await poll(mock, VIDEOS.ready), 503)
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.equal(await poll(mock, VIDEOS.ready), 200)
  t.same(await admin.faults(), [], 'the rule is used up')

  const journal = await admin.journal({ video: VIDEOS.ready })
  t.same(journal.entries.map((entry) => [entry.status, entry.forced, entry.faultId]), [[503, 'fault', 'f1'], [200, undefined, undefined]])
  t.equal(journal.size, 2)
  t.ok(journal.limit >= 2)
  t.same((await admin.journal({ limit: 1 })).entries.map((entry) => entry.status), [200], 'limit keeps the last entries')
  t.same((await admin.journal()).entries.length, 2)

  const report = await admin.pollingReport(VIDEOS.ready)
  t.match(report, { video: VIDEOS.ready, polls: 1, firstReadyAtPoll: 1, pollsAfterReady: 0, honouredRetryAfter: true })
  t.match(report.retryAfter, [{ status: 503, askedMs: 20, honoured: true }])

  const kept = await admin.addFault({ match: { account: ACCOUNT }, latencyMs: 1 })
  const dropped = await admin.addFault({ drop: true, probability: 0 })
  await admin.deleteFault(kept.id)
  const missing = await adminErrorOf(admin.deleteFault(kept.id))
  t.equal(missing.status, 404)
  t.same((await admin.faults()).map((listed) => listed.id), [dropped.id])
  t.equal(await admin.clearFaults(), 1)
  t.equal((await adminErrorOf(admin.addFault({ times: 1 }))).status, 400, 'a rule that does nothing is refused')

  t.equal(await admin.clearJournal(ACCOUNT), 2)
  t.equal(await admin.clearJournal(), 0)
})

t.test('the journal: the client follows the pages of a journal longer than one', async (t) => {
  // The app itself, to fill its journal directly: 2500 requests would take seconds.
  const { app, url, close } = await startApp({ port: 0, autoTick: false, config: { journalSize: 5000 } })
  t.teardown(close)
  const mock = { admin: new AdminClient(`${url}/__mock`) }
  for (let n = 0; n < 2500; n++) {
    app.mock.journal.record({ wallMs: n, mockMs: 0, method: 'GET', path: `/p/${n}`, status: 200, credentials: 'none', note: { video: n % 5 === 0 ? VIDEOS.ready : VIDEOS.empty }, retryAfterMs: undefined })
  }
  const all = await mock.admin.journal()
  t.equal(all.entries.length, 2500, 'every entry, over three pages')
  t.same(all.entries.slice(0, 2).map((entry) => entry.seq), [1, 2])
  t.equal(all.next, null)
  t.equal((await mock.admin.journal({ video: VIDEOS.ready })).entries.length, 500, 'filtered, every page')
  const page = await mock.admin.journal({ after: 1000, limit: 10 })
  t.same([page.entries[0]?.seq, page.entries.length, page.next], [1001, 10, 1010], 'one page when asked for one')
})

t.test('forAccount: one worker\'s account, apart from the others', async (t) => {
  const mock = await start(t)
  const { admin } = mock
  const mine = admin.forAccount(OTHER_ACCOUNT)
  t.equal(mine.account, OTHER_ACCOUNT)
  await admin.createVideo({ id: OTHER_VIDEO, account: OTHER_ACCOUNT, downloads: { default: { percentComplete: 0, speed: 10 } } })
  t.same((await mine.videos()).map((video) => video.id), [OTHER_VIDEO])

  t.match(await mine.freeze(), { scope: 'account', account: OTHER_ACCOUNT, frozen: true })
  const stepped = await mine.advance(5000)
  t.match(stepped, { clock: { scope: 'account', nowMs: 5000 }, transitions: 0 })
  t.same(stepped.videos?.map((video) => [video.id, video.downloads.default?.percentComplete]), [[OTHER_VIDEO, 50]], 'only the account\'s videos')
  t.match(await admin.clock(), { scope: 'global', nowMs: 0 }, 'the global clock did not move')
  t.match(await admin.video(VIDEOS.inProgress), { downloads: { default: { percentComplete: 40 } } }, 'nor did the other account\'s videos')
  t.match(await mine.setRate(3), { rate: 3 })
  t.match(await mine.resume(), { frozen: false, rate: 3 })
  t.match(await mine.clock(), { scope: 'account', account: OTHER_ACCOUNT, nowMs: 5000 })

  const fault = await admin.addFault({ match: { account: OTHER_ACCOUNT, method: 'GET' }, status: 500, times: 1 })
  t.same((await mine.faults()).map((rule) => rule.id), [fault.id])
  t.same(await admin.faults(ACCOUNT), [], 'the other account sees none of it')
  t.equal(await poll(mock, OTHER_VIDEO, OTHER_ACCOUNT), 500)
  t.equal(await poll(mock, OTHER_VIDEO, OTHER_ACCOUNT), 200)
  t.equal(await poll(mock, VIDEOS.ready), 200)
  t.same((await mine.journal()).entries.map((entry) => entry.status), [500, 200])
  t.same((await mine.journal({ video: OTHER_VIDEO, limit: 1 })).entries.map((entry) => entry.status), [200])
  t.equal(await mine.clearJournal(), 2)
  t.equal((await admin.journal()).entries.length, 1, 'the other account\'s entry stays')

  await admin.addFault({ match: { account: OTHER_ACCOUNT }, latencyMs: 1 })
  t.equal(await mine.clearFaults(), 1)
  await admin.addFault({ match: { account: OTHER_ACCOUNT }, latencyMs: 1 })
  await mine.setRate(0)
  t.match(await mine.reset(), { reset: OTHER_ACCOUNT })
  t.same(await mine.faults(), [], 'reset clears the account\'s fault rules')
  t.equal((await admin.journal()).entries.length, 1, 'and not the other account\'s journal')
})

t.test('the OpenAPI description', async (t) => {
  const { admin } = await start(t)
  const document = await admin.openapi()
  t.equal(document.openapi, '3.0.3')
  t.equal(document.info.title, 'stream-downloads-mock admin API')
  t.ok(Object.keys(document.paths).some((path) => path.endsWith('/videos/{video}')))
})

t.test('the admin token', async (t) => {
  const mock = await start(t, { config: { adminToken: 't' } })
  t.same((await mock.admin.clock()).nowMs, 0, 'the handle\'s client sends the configured token')
  t.ok((await mock.admin.openapi()).paths)

  const anonymous = new AdminClient(`${mock.url}/__mock`)
  const refused = await adminErrorOf(anonymous.clock())
  t.equal(refused.status, 401)
  t.same(refused.errors.map((error) => error.code), [10401])
  t.match(refused.message, /X-Mock-Admin-Token/)
  t.equal((await adminErrorOf(anonymous.openapi())).status, 401, 'the OpenAPI description is guarded too')
  t.equal((await adminErrorOf(new AdminClient(`${mock.url}/__mock`, { token: 'wrong' }).reset())).status, 401)
  t.same(await new AdminClient(`${mock.url}/__mock/`, { token: 't' }).reset(), { reset: 'all', videos: 6 }, 'a trailing slash in the base url is fine')
})

t.test('errors: a failure envelope becomes AdminApiError with its errors', async (t) => {
  const { admin } = await start(t)
  const error = await adminErrorOf(admin.video(UNKNOWN_VIDEO))
  t.ok(error instanceof Error)
  t.equal(error.name, 'AdminApiError')
  t.equal(error.status, 404)
  t.ok(error.errors.length > 0)
  t.match(error.errors[0], { code: Number, message: `no video ${UNKNOWN_VIDEO}` })
  t.equal(error.message, error.errors.map((item) => item.message).join('; '))

  const invalid = await adminErrorOf(admin.advance(-1))
  t.equal(invalid.status, 400)
  t.match(invalid.message, /body\.ms/)
  t.equal((await adminErrorOf(admin.setRate(2000, ACCOUNT))).status, 400)
})

t.test('the fetch option: what is sent, and answers that are no envelope', async (t) => {
  const sent: Array<{ url: string, method: string, headers: Record<string, string>, body: string | undefined }> = []
  let next = (): Response => Response.json({ result: { cleared: 3 }, success: true, errors: [], messages: [] })
  const fake: typeof fetch = async (input, init) => {
    sent.push({ url: String(input), method: init?.method ?? 'GET', headers: init?.headers as Record<string, string>, body: init?.body as string | undefined })
    return next()
  }
  const admin = new AdminClient('http://mock.test/__mock', { token: 'secret', fetch: fake })

  t.equal(await admin.clearJournal(ACCOUNT), 3)
  t.same(sent.pop(), { url: `http://mock.test/__mock/journal?account=${ACCOUNT}`, method: 'DELETE', headers: { accept: 'application/json', 'x-mock-admin-token': 'secret' }, body: undefined })
  next = () => Response.json({ result: { clock: {}, transitions: 0 }, success: true, errors: [], messages: [] })
  await admin.advance(5)
  t.same(sent.pop(), { url: 'http://mock.test/__mock/clock/advance', method: 'POST', headers: { accept: 'application/json', 'x-mock-admin-token': 'secret', 'content-type': 'application/json' }, body: '{"ms":5}' })

  const unexpected = async (answer: Response): Promise<AdminApiError> => {
    next = () => answer
    return await adminErrorOf(admin.defaults())
  }
  const text = await unexpected(new Response('Bad Gateway', { status: 502 }))
  t.equal(text.status, 502)
  t.same(text.errors, [{ code: 0, message: 'GET /defaults: unexpected answer (HTTP 502), not an admin envelope' }])
  t.equal((await unexpected(Response.json(null))).status, 200, 'JSON null')
  t.equal((await unexpected(Response.json([]))).status, 200, 'a JSON array')
  t.equal((await unexpected(Response.json({ success: true }))).errors[0]?.code, 0, 'success without result')
  t.equal((await unexpected(Response.json({ hello: 'world' }))).errors[0]?.code, 0, 'an object that is no envelope')
  t.equal((await unexpected(Response.json({ success: false }, { status: 500 }))).status, 500, 'a failure without errors')
  t.same((await unexpected(Response.json({ result: null, success: false, errors: [{ code: 1001, message: 'a' }, { code: 1002, message: 'b' }], messages: [] }, { status: 429 }))).message, 'a; b')

  next = () => new Response('<html></html>', { status: 200 })
  t.equal((await adminErrorOf(admin.openapi())).errors[0]?.code, 0, 'an OpenAPI description that is not JSON')
})

t.test('waitFor: start waiting, step the frozen clock, the wait resolves; at once when it holds; a timeout', async (t) => {
  const mock = await start(t)
  const { admin } = mock
  const worker = admin.forAccount(ACCOUNT)
  await worker.freeze()
  const created = await fetch(`${mock.url}${downloadsPath(VIDEOS.empty)}`, { method: 'POST', headers: AUTH })
  await created.arrayBuffer()
  const ready = worker.waitFor({ video: VIDEOS.empty, status: 'ready', timeoutMs: 300_000 })
  const settled = await admin.advance(10_000, ACCOUNT)
  t.equal(settled.clock.nowMs, 10_000)
  const result = await ready
  // The transition the step caused resolves it; had the step reached the server first, the wait finds it held.
  t.equal(((result.already ? result.state : result.event) as { status?: string } | undefined)?.status, 'ready')
  t.match(await admin.waitFor({ video: VIDEOS.empty, status: 'ready' }), { already: true, state: { status: 'ready' } })
  t.match(await worker.waitFor({ status: 'error' }), { already: true, state: { account: ACCOUNT, status: 'error' } }, 'until any download of the account is in error')
  const timedOut = await adminErrorOf(admin.waitFor({ account: OTHER_ACCOUNT, status: 'error', timeoutMs: 0 }))
  t.equal(timedOut.status, 408)
  t.same(timedOut.errors, [{ code: 10408, message: `wait timed out after 0 ms: no download.transition event with account ${OTHER_ACCOUNT}, status error` }])
})

t.test('coverage: what the clients were shown, and clearing it', async (t) => {
  const mock = await start(t)
  const { admin } = mock
  t.equal(await poll(mock, VIDEOS.ready), 200)
  t.match(await admin.coverage(), { accounts: [{ account: ACCOUNT, requests: 1, statesSeen: { default: { ready: 1 } } }] })
  t.match(await admin.forAccount(ACCOUNT).coverage(), { accounts: [{ account: ACCOUNT, operations: { 'GET downloads': 1 } }] })
  t.equal(await admin.clearCoverage(ACCOUNT), 1)
  t.equal(await admin.clearCoverage(), 0)
  t.same((await admin.coverage()).accounts, [])
})
