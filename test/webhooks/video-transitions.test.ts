import t from 'tap'
import { verifyWebhookSignature } from '../../src/domain/webhook-signature.js'
import { ACCOUNT, AUTH, build } from '../helpers/build.js'
import { videosValidator } from '../helpers/contract.js'
import { WebhookReceiver } from '../helpers/webhook-receiver.js'

const STREAM = `/client/v4/accounts/${ACCOUNT}/stream`

t.test('a copied video that becomes ready on the mock clock is delivered to the webhook, once, as GET shows it', async (t) => {
  const app = await build(t, { config: { webhookRetryMs: 1, webhookTimeoutMs: 10_000, publicUrl: 'http://mock.test' } })
  const receiver = await new WebhookReceiver().listen()
  t.teardown(() => receiver.close())
  const { secret } = (await app.inject({ method: 'PUT', url: `${STREAM}/webhook`, headers: AUTH, payload: { notificationUrl: receiver.url } })).json().result
  await app.inject({ method: 'POST', url: '/__mock/clock/freeze', payload: { account: ACCOUNT } })
  const copy = await app.inject({ method: 'POST', url: `${STREAM}/copy`, headers: AUTH, payload: { url: 'https://example.com/a.mp4' } })
  const uid = copy.json().result.uid as string
  const arrival = receiver.next()
  const announced = app.inject({ method: 'GET', url: `/__mock/wait?event=webhook.delivery&account=${ACCOUNT}&status=200&timeout=60000` })
  await app.inject({ method: 'POST', url: '/__mock/clock/advance', payload: { account: ACCOUNT, ms: 60_000 } })
  const received = await arrival
  t.ok(verifyWebhookSignature(received.headers['webhook-signature'] as string, secret, received.body), 'signed with the subscription\'s secret')
  const delivered = JSON.parse(received.body)
  const shown = (await app.inject({ method: 'GET', url: `${STREAM}/${uid}`, headers: AUTH })).json().result
  t.same(delivered, shown, 'the Video object a GET answers, urls under MOCK_PUBLIC_URL')
  t.ok(videosValidator('stream_webhook_notification')(delivered), 'the body is a Video object of the contract')
  t.match(delivered, { uid, readyToStream: true, status: { state: 'ready' }, thumbnail: /^http:\/\/mock\.test\// })
  const waited = (await announced).json()
  t.equal(waited.success, true, JSON.stringify(waited.errors))
  t.match(waited.result.event, { type: 'webhook.delivery', account: ACCOUNT, video: uid, url: receiver.url, status: 200, attempt: 1 }, 'the try is on the event stream')
  await app.mock.webhooks.idle()
  t.equal(receiver.received.length, 1, 'once')
})

t.test('a clock step that makes many videos ready sends each once, past the transitions logged one by one', async (t) => {
  const app = await build(t, { config: { webhookRetryMs: 1, webhookTimeoutMs: 10_000 } })
  const receiver = await new WebhookReceiver().listen()
  t.teardown(() => receiver.close())
  await app.inject({ method: 'PUT', url: `${STREAM}/webhook`, headers: AUTH, payload: { notificationUrl: receiver.url } })
  await app.inject({ method: 'POST', url: '/__mock/clock/freeze', payload: { account: ACCOUNT } })
  const uids = new Set<string>()
  for (let n = 0; n < 25; n++) {
    uids.add((await app.inject({ method: 'POST', url: `${STREAM}/copy`, headers: AUTH, payload: { url: `https://example.com/${n}.mp4` } })).json().result.uid)
  }
  await app.inject({ method: 'POST', url: '/__mock/clock/advance', payload: { account: ACCOUNT, ms: 60_000 } })
  await app.mock.webhooks.idle()
  const delivered = receiver.received.map((received) => JSON.parse(received.body).uid as string)
  t.equal(delivered.length, 25)
  t.same(new Set(delivered), uids, 'each video once')
})
