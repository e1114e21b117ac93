import t from 'tap'
import type Cloudflare from 'cloudflare'
import { ACCOUNT, UNKNOWN_VIDEO, VIDEOS } from './helpers/build.js'
import { contractProblems } from './helpers/contract.js'
import { apiErrorOf, errorCodes, sdkClient, startTestMock } from './helpers/sdk.js'

// The official SDK, unchanged, against the video endpoints: stream.list, get, edit, delete,
// copy.create and directUpload.create, and the whole flow with no wall-clock waiting.

t.test('the SDK lists, gets, edits and deletes videos', async (t) => {
  const mock = await startTestMock(t, { autoTick: false })
  const client = sdkClient(mock)
  const listed: string[] = []
  for await (const video of client.stream.list({ account_id: ACCOUNT })) listed.push(video.uid as string)
  t.equal(listed.length, 6, 'the bundled fixtures\' videos')
  t.ok(listed.includes(VIDEOS.ready))
  const video = await client.stream.get(VIDEOS.ready, { account_id: ACCOUNT })
  t.match(video, { uid: VIDEOS.ready, readyToStream: true, status: { state: 'ready', pctComplete: '100.000000' } })
  const edited = await client.stream.edit(VIDEOS.ready, { account_id: ACCOUNT, meta: { name: 'edited' }, requireSignedURLs: true, creator: 'sdk' })
  t.match(edited, { meta: { name: 'edited' }, requireSignedURLs: true, creator: 'sdk' })
  const filtered: string[] = []
  for await (const found of client.stream.list({ account_id: ACCOUNT, creator: 'sdk' })) filtered.push(found.uid as string)
  t.same(filtered, [VIDEOS.ready])
  // Typed void: the SDK hands back whatever body it read (the envelope, result "ok").
  t.match(await client.stream.delete(VIDEOS.ready, { account_id: ACCOUNT }), { success: true })
  const gone = await apiErrorOf(client.stream.get(VIDEOS.ready, { account_id: ACCOUNT }))
  t.same([gone.status, errorCodes(gone)], [404, [10003]])
  const unknown = await apiErrorOf(client.stream.delete(UNKNOWN_VIDEO, { account_id: ACCOUNT }))
  t.equal(unknown.status, 404)
})

/** The application's code: poll the video until it is ready, then enable and fetch its MP4. */
async function publish (client: Cloudflare, account: string, url: string, sleep: (ms: number) => Promise<void>): Promise<{ uid: string, mp4: string, polls: number }> {
  const params = { account_id: account }
  const video = await client.stream.copy.create({ ...params, url, meta: { name: 'flow.mp4' } })
  const uid = video.uid as string
  let polls = 0
  for (let current = video; current.readyToStream !== true; current = await client.stream.get(uid, params)) {
    if (current.status?.state === 'error') throw new Error(`the video failed: ${current.status.errorReasonCode ?? ''}`)
    polls++
    await sleep(1000)
  }
  await client.stream.downloads.create(uid, params)
  for (let downloads = await client.stream.downloads.get(uid, params); ; downloads = await client.stream.downloads.get(uid, params)) {
    if (downloads.default?.status === 'ready') return { uid, mp4: downloads.default.url as string, polls }
    polls++
    await sleep(1000)
  }
}

t.test('the whole flow: copy, ready, create the download, poll it, fetch the MP4; mock time only', async (t) => {
  const mock = await startTestMock(t, { autoTick: false })
  const client = sdkClient(mock)
  const worker = mock.admin.forAccount(ACCOUNT)
  const { uid, mp4, polls } = await publish(client, ACCOUNT, 'https://example.com/flow.mp4', async (ms) => { await worker.advance(ms) })
  t.equal(polls, 23, 'thirteen "sleeps" to ready (2 s downloading, 1 s queued, 10 s encoding), ten to the download')
  t.equal(mp4, `${mock.url}/${uid}/downloads/default.mp4`)
  const media = await fetch(mp4)
  t.equal(media.status, 200)
  t.equal(Buffer.from(await media.arrayBuffer()).subarray(4, 8).toString('latin1'), 'ftyp', 'a real MP4')
})

t.test('the SDK reserves a direct upload; a browser-style multipart POST uploads it', async (t) => {
  const mock = await startTestMock(t, { autoTick: false })
  const client = sdkClient(mock)
  const reserved = await client.stream.directUpload.create({ account_id: ACCOUNT, maxDurationSeconds: 60, meta: { name: 'upload.mp4' } }, { headers: { 'Upload-Creator': 'browser-user' } })
  t.match(reserved, { uid: /^[0-9a-f]{32}$/, uploadURL: `${mock.url}/upload/${reserved.uid as string}` })
  t.match(await client.stream.get(reserved.uid as string, { account_id: ACCOUNT }), { status: { state: 'pendingupload' }, creator: 'browser-user' })
  const form = new FormData()
  form.append('file', new Blob([Buffer.alloc(4096)], { type: 'video/mp4' }), 'upload.mp4')
  const upload = await fetch(reserved.uploadURL as string, { method: 'POST', body: form, headers: { origin: 'https://app.example' } })
  t.same([upload.status, upload.headers.get('access-control-allow-origin')], [200, '*'])
  await upload.arrayBuffer()
  t.match(await client.stream.get(reserved.uid as string, { account_id: ACCOUNT }), { status: { state: 'queued' } })
  await mock.clock.advance(11_000)
  t.match(await client.stream.get(reserved.uid as string, { account_id: ACCOUNT }), { readyToStream: true, status: { state: 'ready' } })
  const missing = await apiErrorOf(client.stream.directUpload.create({ account_id: 'ffffffffffffffffffffffffffffffff', maxDurationSeconds: 60 }))
  t.same([missing.status, errorCodes(missing)], [404, [10003]])
})

t.test('the SDK lists and copies into a declared account with no videos; its answers match the contract', async (t) => {
  const empty = '0000000000000000000000000000acc1'
  const mock = await startTestMock(t, { autoTick: false, fixtures: { accounts: [{ id: empty, progression: { queuedMs: 0 } }], videos: [] } })
  const client = sdkClient(mock)
  const listed: unknown[] = []
  for await (const video of client.stream.list({ account_id: empty })) listed.push(video)
  t.same(listed, [], 'an empty list, not a 404')
  const raw = await fetch(`${mock.url}/client/v4/accounts/${empty}/stream`, { headers: { authorization: 'Bearer test-token' } })
  t.same(contractProblems('GET', `/client/v4/accounts/${empty}/stream`, raw.status, await raw.json()), [])
  const copied = await client.stream.copy.create({ account_id: empty, url: 'https://example.com/empty.mp4' })
  t.match(copied, { status: { state: 'downloading' } })
  // The account's progression: no time queued, so ready 12 s later (2 s downloading, 10 s encoding).
  await mock.clock.advance(12_000)
  const got = await fetch(`${mock.url}/client/v4/accounts/${empty}/stream/${copied.uid as string}`, { headers: { authorization: 'Bearer test-token' } })
  const body = await got.json() as { result: { readyToStream: boolean } }
  t.same(contractProblems('GET', `/client/v4/accounts/${empty}/stream/${copied.uid as string}`, got.status, body), [])
  t.equal(body.result.readyToStream, true)
  const all: string[] = []
  for await (const video of client.stream.list({ account_id: empty })) all.push(video.uid as string)
  t.same(all, [copied.uid])
  const unknown = await apiErrorOf(client.stream.list({ account_id: 'ffffffffffffffffffffffffffffffff' }))
  t.same([unknown.status, errorCodes(unknown)], [404, [10003]])
})
