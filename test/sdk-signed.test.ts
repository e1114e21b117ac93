import t from 'tap'
import { SignJWT, importJWK } from 'jose'
import { verifyWebhookSignature } from '../src/domain/webhook-signature.js'
import { ACCOUNT, VIDEOS } from './helpers/build.js'
import { apiErrorOf, sdkClient, startTestMock } from './helpers/sdk.js'
import { WebhookReceiver } from './helpers/webhook-receiver.js'

t.test('the official SDK: stream.keys.*, stream.token.create, a token signed locally, the MP4 fetched with each', async (t) => {
  const mock = await startTestMock(t)
  const client = sdkClient(mock)
  const key = await client.stream.keys.create({ account_id: ACCOUNT })
  t.match(key, { id: /^[0-9a-f]{32}$/, pem: String, jwk: String, created: String })
  const listed = []
  for await (const item of client.stream.keys.get({ account_id: ACCOUNT })) listed.push(item)
  t.same(listed, [{ id: key.id, created: key.created, key_id: key.id }], 'key_id (KeyGetResponse.key_id) equals id, the mock\'s choice')

  const issued = await client.stream.token.create(VIDEOS.ready, { account_id: ACCOUNT, downloadable: true })
  const viaApi = await fetch(`${mock.url}/${issued.token as string}/downloads/default.mp4`)
  t.equal(viaApi.status, 200)
  t.equal(viaApi.headers.get('content-type'), 'video/mp4')
  await viaApi.arrayBuffer()

  // Signed locally, as Cloudflare's docs show: the JWK from /keys, RS256, kid in header and claims.
  const privateKey = await importJWK(JSON.parse(Buffer.from(key.jwk as string, 'base64').toString('utf8')), 'RS256')
  const local = await new SignJWT({ sub: VIDEOS.ready, kid: key.id, downloadable: true })
    .setProtectedHeader({ alg: 'RS256', kid: key.id as string })
    .setExpirationTime('1h')
    .sign(privateKey)
  const viaLocal = await fetch(`${mock.url}/${local}/downloads/audio.m4a`)
  t.equal(viaLocal.status, 200)
  await viaLocal.arrayBuffer()

  t.equal(await client.stream.keys.delete(key.id as string, { account_id: ACCOUNT }), 'Revoked')
  const revoked = await fetch(`${mock.url}/${local}/downloads/audio.m4a`)
  t.equal(revoked.status, 401)
  t.match(await revoked.json(), { errors: [{ code: 10401, message: 'Signed URL token refused: revoked' }] })
  const refused = await apiErrorOf(client.stream.token.create(VIDEOS.ready, { account_id: ACCOUNT, exp: Math.floor(Date.now() / 1000) + 2 * 86400 }))
  t.equal(refused.status, 400)
})

t.test('the official SDK: stream.webhooks.*; the app learns of readiness from the webhook, then downloads', async (t) => {
  const mock = await startTestMock(t)
  const client = sdkClient(mock)
  const receiver = await new WebhookReceiver().listen()
  t.teardown(() => receiver.close())
  const webhook = await client.stream.webhooks.update({ account_id: ACCOUNT, notificationUrl: receiver.url })
  t.match(webhook, { notificationUrl: receiver.url, secret: /^[0-9a-f]{32}$/, modified: String })
  t.same(await client.stream.webhooks.get({ account_id: ACCOUNT }), webhook)

  const arrival = receiver.next()
  // What a video's transition to ready sends (the admin API sends it on demand).
  const sent = await fetch(`${mock.url}/__mock/webhooks/deliveries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ video: VIDEOS.ready }) })
  t.equal(sent.status, 200)
  const received = await arrival
  t.ok(verifyWebhookSignature(received.headers['webhook-signature'] as string, webhook.secret as string, received.body), 'signed with the subscription\'s secret')
  const video = JSON.parse(received.body) as { uid: string, readyToStream: boolean }
  t.equal(video.readyToStream, true)
  const downloads = await client.stream.downloads.get(video.uid, { account_id: ACCOUNT }) as { default: { url: string } }
  const file = await fetch(downloads.default.url)
  t.equal(file.status, 200)
  await file.arrayBuffer()

  t.equal(await client.stream.webhooks.delete({ account_id: ACCOUNT }), 'ok')
  t.same(await client.stream.webhooks.get({ account_id: ACCOUNT }), {})
})
