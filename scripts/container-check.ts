/**
 * StreamDownloadsMockContainer against a real engine (`npm run test:container` starts one and
 * builds the image first; see scripts/container-test.sh): fixtures from objects and from a
 * folder, settings, the API's url, the typed admin client, waiting for a transition. Not part of
 * `npm test`, which has no container engine. Exits 1 at the first failure.
 */
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { StreamDownloadsMockContainer } from '../src/testcontainers.js'

const image = process.env.MOCK_IMAGE ?? 'stream-downloads-mock:test'
const account = '0000000000000000000000000000000a'
const video = '00000000000000000000000000000b01'
const auth = { authorization: 'Bearer test' }

async function check (name: string, body: () => Promise<void>): Promise<void> {
  const started = Date.now()
  await body()
  console.log(`ok - ${name} (${Date.now() - started} ms)`)
}

await check('fixtures from an object, settings, the admin client with its token, waitFor', async () => {
  const mock = await new StreamDownloadsMockContainer(image)
    .withFixtures({ videos: [{ id: video, account, onCreate: { default: { speed: 50 } } }] })
    .withSettings({ adminToken: 'secret', apiTokens: ['test'], logLevel: 'warn' })
    .start()
  try {
    assert.match(mock.getApiUrl(), /^http:\/\/[^/]+:\d+\/client\/v4$/)
    const downloads = `${mock.getApiUrl()}/accounts/${account}/stream/${video}/downloads`
    assert.equal((await fetch(downloads, { headers: { authorization: 'Bearer wrong' } })).status, 403, 'apiTokens reached the server')
    assert.equal((await fetch(`${mock.getUrl()}/__mock/videos`)).status, 401, 'the admin token reached the server')
    assert.deepEqual((await mock.admin.videos()).map((one) => one.id), [video])
    await mock.admin.freeze(account)
    const created = await fetch(downloads, { method: 'POST', headers: auth })
    assert.equal(created.status, 200)
    const ready = mock.admin.waitFor({ video, status: 'ready', timeoutMs: 60_000 })
    await mock.admin.advance(2_000, account)
    const result = await ready
    assert.equal(((result.already ? result.state : result.event) as { status: string }).status, 'ready', 'speed 50: ready after 2 s of mock time')
  } finally {
    await mock.stop({ timeout: 10_000 })
  }
})

await check('fixtures from a folder (the bundled ones)', async () => {
  const mock = await new StreamDownloadsMockContainer(image).withFixtures(fileURLToPath(new URL('../fixtures', import.meta.url))).start()
  try {
    assert.equal((await mock.admin.videos()).length, 6)
    const answer = await fetch(`${mock.getApiUrl()}/accounts/023e105f4ecef8ad9ca31a8372d0c353/stream/ea95132c15732412d22c1476fa83f27a/downloads`, { headers: auth })
    assert.equal(answer.status, 200)
    assert.equal(((await answer.json()) as { result: { default: { status: string } } }).result.default.status, 'ready')
  } finally {
    await mock.stop({ timeout: 10_000 })
  }
})
