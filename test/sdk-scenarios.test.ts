import t from 'tap'
import { ACCOUNT, VIDEOS } from './helpers/build.js'
import { sdkClient, startTestMock } from './helpers/sdk.js'

// Scenario control seen from the official SDK: faults it must retry through, a rate limit it must
// wait out, and a download that fails, all set up over the admin API.

const admin = async (url: string, path: string, body?: unknown): Promise<any> => {
  const response = await fetch(`${url}/__mock${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  })
  const envelope = await response.json() as { success: boolean, result: unknown }
  if (!envelope.success) throw new Error(`admin ${path}: ${JSON.stringify(envelope)}`)
  return envelope.result
}

t.test('two injected 503s, then success: the SDK retries, and the journal shows three requests', async (t) => {
  const mock = await startTestMock(t, { autoTick: false })
  // retry-after-ms keeps the SDK's backoff short; the official SDKs honour it.
  await admin(mock.url, '/faults', { match: { video: VIDEOS.ready, method: 'GET' }, status: 503, times: 2, retryAfterMs: 20 })
  const client = sdkClient(mock)
  const downloads = await client.stream.downloads.get(VIDEOS.ready, { account_id: ACCOUNT }, { maxRetries: 2 })
  t.match(downloads, { default: { status: 'ready' } })
  const journal = await admin(mock.url, `/journal?video=${VIDEOS.ready}`)
  t.same(journal.entries.map((entry: { status: number }) => entry.status), [503, 503, 200])
  t.same(journal.entries.map((entry: { forced?: string }) => entry.forced), ['fault', 'fault', undefined])
  t.same((await admin(mock.url, '/faults')).rules, [], 'the rule is used up')
})

t.test('a 429 with Retry-After: 1 that the SDK waits out; the polling report confirms it', async (t) => {
  const mock = await startTestMock(t, { autoTick: false })
  await admin(mock.url, '/faults', { match: { video: VIDEOS.inProgress }, status: 429, times: 1 })
  const client = sdkClient(mock)
  const started = Date.now()
  const downloads = await client.stream.downloads.get(VIDEOS.inProgress, { account_id: ACCOUNT }, { maxRetries: 1 })
  t.ok(Date.now() - started >= 1000, 'the SDK waited the second Retry-After asked for')
  t.match(downloads, { default: { status: 'inprogress', percentComplete: 40 } })
  const report = await admin(mock.url, `/polling/${VIDEOS.inProgress}`)
  t.equal(report.polls, 1, 'one answered poll after the refused one')
  t.equal(report.retryAfter.length, 1)
  t.match(report.retryAfter[0], { status: 429, askedMs: 1000, honoured: true })
  t.equal(report.honouredRetryAfter, true)
})

t.test('a download a client creates that fails at 60 %, in an account of its own', async (t) => {
  const mock = await startTestMock(t, { autoTick: false })
  const account = 'a1'.repeat(16)
  const video = 'b2'.repeat(16)
  await admin(mock.url, '/videos', { id: video, account, onCreate: { default: { failAt: 60 } } })
  const client = sdkClient(mock)
  const created = await client.stream.downloads.create(video, { account_id: account })
  t.match(created, { default: { status: 'inprogress', percentComplete: 0 } })
  const stepped = await admin(mock.url, '/clock/advance', { ms: 5000, account })
  t.equal(stepped.transitions, 0, 'at 50 % nothing has happened yet')
  t.match(stepped.videos, [{ id: video, downloads: { default: { status: 'inprogress', percentComplete: 50, failAt: 60 } } }], 'the answer holds the state')
  t.match(await client.stream.downloads.get(video, { account_id: account }), { default: { status: 'inprogress', percentComplete: 50 } })
  const failed = await admin(mock.url, '/clock/advance', { ms: 1000, account })
  t.equal(failed.transitions, 1)
  t.match(await client.stream.downloads.get(video, { account_id: account }), { default: { status: 'error', percentComplete: 60 } })
  t.match(await client.stream.downloads.get(VIDEOS.inProgress, { account_id: ACCOUNT }), { default: { status: 'inprogress', percentComplete: 40 } }, 'the other account\'s clock did not move')
  const retried = await client.stream.downloads.create(video, { account_id: account })
  t.match(retried, { default: { status: 'inprogress', percentComplete: 0 } }, 'creating it again starts it over')
})
