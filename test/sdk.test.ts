import t from 'tap'
import Cloudflare from 'cloudflare'
import type { DownloadsResult } from '../src/index.js'
import { ACCOUNT, UNKNOWN_VIDEO, VIDEOS } from './helpers/build.js'
import { apiErrorOf, errorCodes, sdkClient, sleep, startTestMock } from './helpers/sdk.js'

/** The whole body of a Cloudflare answer, as the SDK's generic `post` returns it. */
interface Envelope<T> { success: boolean, errors: unknown[], messages: unknown[], result: T }

t.test('official SDK, Bearer token: create, poll to ready on the wall-clock ticker, download, delete', async (t) => {
  // 50 %/s of mock time, one 20 ms tick per 20 ms: ready after ~2 s of real time.
  const mock = await startTestMock(t, { config: { tickMs: 20, speed: 50 } })
  const client = sdkClient(mock, { apiToken: 'test-token' })
  const mediaUrl = `${mock.url}/${VIDEOS.empty}/downloads/default.mp4`

  const created = await client.stream.downloads.create(VIDEOS.empty, { account_id: ACCOUNT })
  t.equal(created.default?.status, 'inprogress')
  t.equal(created.default?.percentComplete, 0)
  t.equal(created.default?.url, mediaUrl)
  t.equal(created.audio, undefined, 'creating the default download creates no audio one')

  const early = await fetch(mediaUrl)
  t.equal(early.status, 404, 'the media is not served before the download is ready')
  await early.arrayBuffer()

  const percents: number[] = [0]
  let latest = created.default
  // No deadline of its own (a loaded machine only makes the polls fewer): tap's per-file timeout
  // ends a wait that never comes.
  while (latest?.status !== 'ready') {
    await sleep(25)
    const downloads = await client.stream.downloads.get(VIDEOS.empty, { account_id: ACCOUNT })
    latest = downloads.default
    if (latest === undefined) break
    percents.push(latest.percentComplete)
  }
  t.equal(latest?.status, 'ready', `ready after ${percents.length - 1} polls`)
  t.equal(latest?.percentComplete, 100)
  t.equal(latest?.url, mediaUrl)
  const decreases = percents.flatMap((percent, index) => index > 0 && percent < (percents[index - 1] as number) ? [[percents[index - 1], percent]] : [])
  t.same(decreases, [], 'percentComplete never decreased between polls')
  t.ok(percents.length > 2, 'the download was seen in progress before it was ready')
  t.ok(percents.some((percent) => percent > 0 && percent < 100), 'an intermediate percentage was seen')

  const media = await fetch(mediaUrl)
  t.equal(media.status, 200)
  t.equal(media.headers.get('content-type'), 'video/mp4')
  const bytes = Buffer.from(await media.arrayBuffer())
  t.ok(bytes.length > 1000, `a real MP4 body (${bytes.length} bytes)`)
  t.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp', 'an ISO-BMFF ftyp box first')

  const deleted = await client.stream.downloads.delete(VIDEOS.empty, { account_id: ACCOUNT })
  t.equal(deleted, 'ok', 'the SDK unwraps the string result')

  const after = await client.stream.downloads.get(VIDEOS.empty, { account_id: ACCOUNT })
  t.same(after, {}, 'no default download after deletion')
  t.notOk('default' in after)

  const gone = await fetch(mediaUrl)
  t.equal(gone.status, 404)
  t.match(gone.headers.get('content-type'), /^application\/json/)
  const body = await gone.json() as { success?: unknown, errors?: Array<{ code?: unknown }> }
  t.equal(body.success, false)
  t.equal(body.errors?.[0]?.code, 10003)
})

t.test('official SDK, X-Auth-Email + X-Auth-Key: the ready video', async (t) => {
  const mock = await startTestMock(t, { autoTick: false })
  const client = sdkClient(mock, { apiEmail: 'user@example.com', apiKey: 'c2547eb745079dac9320b638f5e225cf483cc5cfdda41' })
  const downloads = await client.stream.downloads.get(VIDEOS.ready, { account_id: ACCOUNT })
  t.match(downloads, {
    default: { status: 'ready', percentComplete: 100, url: `${mock.url}/${VIDEOS.ready}/downloads/default.mp4` },
    audio: { status: 'ready', percentComplete: 100, url: `${mock.url}/${VIDEOS.ready}/downloads/audio.m4a` }
  })
})

t.test('official SDK: DELETE is idempotent, twice in a row and in parallel, typed and untyped', async (t) => {
  const mock = await startTestMock(t, { autoTick: false })
  const client = sdkClient(mock, { apiToken: 'test-token' })
  await client.stream.downloads.create(VIDEOS.empty, { account_id: ACCOUNT })
  t.equal(await client.stream.downloads.delete(VIDEOS.empty, { account_id: ACCOUNT }), 'ok')
  t.equal(await client.stream.downloads.delete(VIDEOS.empty, { account_id: ACCOUNT }), 'ok', 'deleted already')
  const audio = `/accounts/${ACCOUNT}/stream/${VIDEOS.empty}/downloads/audio`
  t.same(await client.delete(audio), { result: 'ok', success: true, errors: [], messages: [] }, 'never created, through the typed url')
  await client.stream.downloads.create(VIDEOS.empty, { account_id: ACCOUNT })
  const parallel = await Promise.all(Array.from({ length: 8 }, async () => await client.stream.downloads.delete(VIDEOS.empty, { account_id: ACCOUNT })))
  t.same(parallel, Array(8).fill('ok'), 'parallel workers deleting the same download all get ok')
  t.same(await client.stream.downloads.get(VIDEOS.empty, { account_id: ACCOUNT }), {})
})

t.test('official SDK: a client that polls with create alone ends on error, and its next create retries', async (t) => {
  const mock = await startTestMock(t, { autoTick: false })
  const client = sdkClient(mock, { apiToken: 'test-token' })
  const seen: string[] = []
  for (let poll = 0; poll < 20; poll++) {
    const downloads = await client.stream.downloads.create(VIDEOS.failsOnCreate, { account_id: ACCOUNT })
    const status = downloads.default?.status ?? 'none'
    seen.push(`${status} ${downloads.default?.percentComplete ?? '-'}`)
    if (status !== 'inprogress') break
    await mock.clock.advance(2000)
  }
  t.same(seen, ['inprogress 0', 'inprogress 20', 'inprogress 40', 'error 60'], 'the poll loop sees the failure at 60 %')
  const retried = await client.stream.downloads.create(VIDEOS.failsOnCreate, { account_id: ACCOUNT })
  t.match(retried.default, { status: 'inprogress', percentComplete: 0 }, 'the error was shown: this create starts over')
  const report = await mock.admin.pollingReport(VIDEOS.failsOnCreate)
  t.match(report, { polls: 5, pollsByMethod: { GET: 0, POST: 5 }, firstErrorAtPoll: 4, pollsAfterError: 0 })
})

t.test('official SDK error classes', async (t) => {
  const mock = await startTestMock(t, { autoTick: false, config: { apiTokens: ['good-token'] } })
  const good = sdkClient(mock, { apiToken: 'good-token' })

  t.test('a malformed video id: BadRequestError, 400, 7003 + 7000', async (t) => {
    const error = await apiErrorOf(good.stream.downloads.get('not-a-uid', { account_id: ACCOUNT }))
    t.type(error, Cloudflare.BadRequestError)
    t.equal(error.status, 400)
    t.same(errorCodes(error), [7003, 7000])
    t.match(error.errors[0]?.message, `/client/v4/accounts/${ACCOUNT}/stream/not-a-uid/downloads`)
    t.match(error.error, { success: false, result: null }, 'the parsed body is the failure envelope')
  })

  t.test('a token the server does not accept: PermissionDeniedError, 403, 9109', async (t) => {
    const bad = sdkClient(mock, { apiToken: 'bad-token' })
    const error = await apiErrorOf(bad.stream.downloads.get(VIDEOS.ready, { account_id: ACCOUNT }))
    t.type(error, Cloudflare.PermissionDeniedError)
    t.equal(error.status, 403)
    t.same(errorCodes(error), [9109])
    t.match(error.error, { success: false, result: null, errors: [{ code: 9109 }] })
  })

  t.test('an unknown video in the fixture account: NotFoundError, 404, 10003', async (t) => {
    for (const call of [
      async () => await good.stream.downloads.get(UNKNOWN_VIDEO, { account_id: ACCOUNT }),
      async () => await good.stream.downloads.create(UNKNOWN_VIDEO, { account_id: ACCOUNT }),
      async () => await good.stream.downloads.delete(UNKNOWN_VIDEO, { account_id: ACCOUNT })
    ]) {
      // One call at a time: a rejection is never left unobserved.
      const error = await apiErrorOf(call())
      t.type(error, Cloudflare.NotFoundError)
      t.equal(error.status, 404)
      t.same(errorCodes(error), [10003])
      t.match(error.errors[0]?.message, /video not found/i)
    }
  })

  t.test('deleting a download of an unknown video: NotFoundError', async (t) => {
    const error = await apiErrorOf(good.stream.downloads.delete(UNKNOWN_VIDEO, { account_id: ACCOUNT }))
    t.type(error, Cloudflare.NotFoundError)
    t.same(errorCodes(error), [10003])
  })

  t.test('rejections as t.rejects sees them', async (t) => {
    // Not t.rejects(promise, Cloudflare.NotFoundError): tcompare matches an Error class pattern by
    // its name too, and the SDK's errors keep name 'Error'. Match the fields, then the class.
    const notFound = await t.rejects(good.stream.downloads.get(UNKNOWN_VIDEO, { account_id: ACCOUNT }), { status: 404, errors: [{ code: 10003 }] })
    t.type(notFound, Cloudflare.NotFoundError)
    const badRequest = await t.rejects(good.stream.downloads.get('not-a-uid', { account_id: ACCOUNT }), { status: 400, errors: [{ code: 7003 }, { code: 7000 }] })
    t.type(badRequest, Cloudflare.BadRequestError)
  })
})

t.test('audio through the SDK\'s generic post, with the Python SDK\'s {} body, to error at 60 %', async (t) => {
  // No ticker: mock time moves only when the test moves it.
  const mock = await startTestMock(t, { autoTick: false })
  const client = sdkClient(mock)
  const path = `/accounts/${ACCOUNT}/stream/${VIDEOS.failsOnCreate}/downloads/audio`

  const created = await client.post<Envelope<DownloadsResult>>(path, { body: {} })
  t.equal(created.success, true)
  t.same(created.errors, [])
  t.match(created.result, {
    audio: { status: 'inprogress', percentComplete: 0, url: `${mock.url}/${VIDEOS.failsOnCreate}/downloads/audio.m4a` }
  })
  t.notOk('default' in created.result, 'only the audio download was created')

  await mock.clock.advance(5_000)
  const halfway = await client.stream.downloads.get(VIDEOS.failsOnCreate, { account_id: ACCOUNT })
  t.same(halfway.audio && { status: halfway.audio.status, percentComplete: halfway.audio.percentComplete }, { status: 'inprogress', percentComplete: 50 })

  await mock.clock.advance(5_000)
  const failed = await client.stream.downloads.get(VIDEOS.failsOnCreate, { account_id: ACCOUNT })
  t.equal(failed.audio?.status, 'error')
  t.equal(failed.audio?.percentComplete, 60, 'stopped at the fixture\'s failAt')

  const media = await fetch(`${mock.url}/${VIDEOS.failsOnCreate}/downloads/audio.m4a`)
  t.equal(media.status, 404, 'a failed download serves no media')
  await media.arrayBuffer()
})
