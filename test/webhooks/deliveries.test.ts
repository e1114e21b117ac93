import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { verifyWebhookSignature, webhookSignature } from '../../src/domain/webhook-signature.js'
import { ACCOUNT, AUTH, VIDEOS, build } from '../helpers/build.js'
import { videosContract, contractProblems, videosValidator } from '../helpers/contract.js'
import { WebhookReceiver } from '../helpers/webhook-receiver.js'

const webhookPath = `/client/v4/accounts/${ACCOUNT}/stream/webhook`

t.test('the contract\'s test vector verifies, and the mock signs it the same', async (t) => {
  const vector = (videosContract.components as any).schemas.stream_webhook_signature['x-signature-verification'].test_vector_computed_here
  t.equal(webhookSignature(vector.secret, Number(vector.time), vector.body), vector.header)
  t.ok(verifyWebhookSignature(vector.header, vector.secret, vector.body))
  t.notOk(verifyWebhookSignature(vector.header, vector.secret, `${vector.body} `), 'one byte more: no')
  t.notOk(verifyWebhookSignature(vector.header, 'other', vector.body), 'another secret: no')
  t.notOk(verifyWebhookSignature('time=1,sig2=00', vector.secret, vector.body), 'no sig1: no')
  t.ok(videosValidator('stream_webhook_signature')(vector.header), 'the header matches the contract\'s pattern')
})

/** An app whose webhook deliveries retry at once, with a receiver subscribed. */
async function subscribed (t: Test, statuses?: Array<number | 'hang'>, config = {}, wallClock?: () => number): Promise<{ app: FastifyInstance, receiver: WebhookReceiver, secret: string }> {
  // A generous timeout: a loaded machine may take a while over the first fetch of a process.
  const app = await build(t, { config: { webhookRetryMs: 1, webhookTimeoutMs: 10_000, ...config }, wallClock })
  const receiver = await new WebhookReceiver(statuses).listen()
  t.teardown(() => receiver.close())
  const put = await app.inject({ method: 'PUT', url: webhookPath, headers: AUTH, payload: { notificationUrl: receiver.url } })
  t.same(contractProblems('PUT', webhookPath, put.statusCode, put.json()), [])
  return { app, receiver, secret: put.json().result.secret }
}

const send = async (app: FastifyInstance, video: string, state?: string): Promise<any> =>
  (await app.inject({ method: 'POST', url: '/__mock/webhooks/deliveries', payload: { video, ...(state === undefined ? {} : { state }) } })).json()

t.test('GET, PUT, DELETE /webhook: one per account, a new url rotates the secret, local urls allowed', async (t) => {
  const app = await build(t)
  const call = async (method: string, payload?: object, url = webhookPath): Promise<any> => {
    const response = await app.inject({ method: method as 'GET', url, headers: AUTH, ...(payload === undefined ? {} : { payload }) })
    t.same(contractProblems(method, url, response.statusCode, response.json()), [], `${method} ${url}`)
    return response.json()
  }
  t.same((await call('GET')).result, {}, 'none set: an empty object')
  const first = (await call('PUT', { notificationUrl: 'http://127.0.0.1:1/hook' })).result
  t.match(first, { notificationUrl: 'http://127.0.0.1:1/hook', secret: /^[0-9a-f]{32}$/, modified: new Date(app.mock.store.mockWallMs(ACCOUNT)).toISOString() })
  t.same((await call('GET')).result, first, 'GET shows the secret too')
  t.equal((await call('PUT', { notificationUrl: 'http://127.0.0.1:1/hook' })).result.secret, first.secret, 'the same url keeps the secret')
  const second = (await call('PUT', { notification_url: 'http://receiver:8080/hook' })).result
  t.not(second.secret, first.secret, 'a new url rotates it (the snake-case alias is taken)')
  t.match((await call('PUT', { notificationUrl: 'ftp://x' })).errors, [{ code: 10400, message: 'body.notificationUrl: must be an http or https URL' }])
  t.match((await call('PUT', { notificationUrl: 'nope' })).errors, [{ message: /absolute http or https/ }])
  t.match((await call('PUT', {})).errors, [{ message: 'body.notificationUrl: is required' }])
  t.same((await call('DELETE')).result, 'ok')
  t.same((await call('DELETE')).result, 'ok', 'deleting none is ok too')
  t.same((await call('GET')).result, {})
  t.equal((await call('POST')).errors[0].code, 10000, 'POST: 405')
  t.equal((await call('GET', undefined, `/accounts/${'f'.repeat(32)}/stream/webhook`)).errors[0].code, 10003, 'an unknown account')
})

t.test('the signature\'s time= is the wall clock\'s (the app\'s injected one), not the mock clock\'s', async (t) => {
  const wallMs = Date.UTC(2026, 11, 2, 12, 0, 0, 750)
  const { app, receiver, secret } = await subscribed(t, undefined, {}, () => wallMs)
  app.mock.clock.advance(7 * 24 * 3600_000, ACCOUNT)
  const arrival = receiver.next()
  await send(app, VIDEOS.ready)
  const received = await arrival
  const signature = received.headers['webhook-signature'] as string
  t.match(signature, new RegExp(`^time=${Math.floor(wallMs / 1000)},sig1=[0-9a-f]{64}$`), 'unix seconds of the wall clock')
  t.ok(verifyWebhookSignature(signature, secret, received.body))
})

t.test('a delivery POSTs the video object, signed as the docs verify; status and timing are journaled and listed', async (t) => {
  const { app, receiver, secret } = await subscribed(t)
  const arrival = receiver.next()
  const sent = await send(app, VIDEOS.ready)
  t.match(sent.result, { id: 1, account: ACCOUNT, video: VIDEOS.ready, url: receiver.url, state: 'pending' })
  const received = await arrival
  t.equal(received.headers['content-type'], 'application/json')
  const signature = received.headers['webhook-signature'] as string
  t.ok(videosValidator('stream_webhook_signature')(signature), signature)
  t.ok(verifyWebhookSignature(signature, secret, received.body), 'the receiver verifies the signature')
  const body = JSON.parse(received.body)
  t.match(body, { uid: VIDEOS.ready, readyToStream: true, status: { state: 'ready', pctComplete: '100.000000' }, requireSignedURLs: false })
  t.ok(videosValidator('stream_webhook_notification')(body), 'the body is a Video object of the contract')
  await app.mock.webhooks.idle()
  const listed = (await app.inject({ method: 'GET', url: `/__mock/webhooks/deliveries?account=${ACCOUNT}` })).json().result.deliveries
  t.match(listed, [{ id: 1, state: 'delivered', attempts: [{ status: 200, durationMs: Number }] }])
  const journal = app.mock.journal.list().filter((entry) => entry.webhook !== undefined)
  t.match(journal, [{ method: 'POST', path: receiver.url, status: 200, account: ACCOUNT, video: VIDEOS.ready, webhook: { delivery: 1, attempt: 1 } }])
  const admin = (await app.inject({ method: 'GET', url: '/__mock/journal' })).json().result.entries
  t.match(admin.at(-1), { webhook: { delivery: 1, attempt: 1, durationMs: Number } }, 'the admin journal shows it')
  const errored = receiver.next()
  await send(app, VIDEOS.failed, 'error')
  t.match(JSON.parse((await errored).body), { readyToStream: false, status: { state: 'error', errorReasonCode: 'ERR_NON_VIDEO' } })
})

t.test('a failing receiver is retried with backoff up to the last try; a redelivery sends again', async (t) => {
  const { app, receiver } = await subscribed(t, [500, 503, 500], { webhookTries: 3 })
  await send(app, VIDEOS.ready)
  await app.mock.webhooks.idle()
  t.equal(receiver.received.length, 3, 'three tries in all')
  const failed = (await app.inject({ method: 'GET', url: '/__mock/webhooks/deliveries/1' })).json().result
  t.match(failed, { state: 'failed', attempts: [{ status: 500 }, { status: 503 }, { status: 500 }] })
  t.equal(failed.nextAt, undefined)
  const redelivered = (await app.inject({ method: 'POST', url: '/__mock/webhooks/deliveries/1/redeliver' })).json().result
  t.match(redelivered, { id: 2, state: 'pending' })
  await app.mock.webhooks.idle()
  t.equal(receiver.received[3]?.body, receiver.received[0]?.body, 'the same body')
  t.equal((await app.inject({ method: 'GET', url: '/__mock/webhooks/deliveries/99' })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/__mock/webhooks/deliveries/99/redeliver' })).statusCode, 404)
})

t.test('a receiver that does not answer times out, and a dead one is retried too', async (t) => {
  const { app, receiver } = await subscribed(t, ['hang', 200], { webhookTries: 5, webhookTimeoutMs: 1000 })
  await send(app, VIDEOS.ready)
  await app.mock.webhooks.idle()
  const delivery = app.mock.webhooks.get(1)
  t.match(delivery, { state: 'delivered', attempts: [{ status: 0, error: 'no answer within 1000 ms' }] })
  t.equal(delivery?.attempts.at(-1)?.status, 200, 'a later try got through')
  await receiver.close()
  await send(app, VIDEOS.ready)
  await app.mock.webhooks.idle()
  t.match(app.mock.webhooks.get(2), { state: 'failed', attempts: [{ status: 0, error: String }, { status: 0 }] })
})

t.test('no subscription, an unknown video, a deleted video, a reset, a close', async (t) => {
  const app = await build(t, { config: { webhookRetryMs: 60_000 } })
  t.equal((await app.inject({ method: 'POST', url: '/__mock/webhooks/deliveries', payload: { video: VIDEOS.ready } })).statusCode, 409, 'no subscription')
  t.equal((await app.inject({ method: 'POST', url: '/__mock/webhooks/deliveries', payload: { video: 'e'.repeat(32) } })).statusCode, 404)
  const receiver = await new WebhookReceiver([500]).listen()
  t.teardown(() => receiver.close())
  await app.inject({ method: 'PUT', url: webhookPath, headers: AUTH, payload: { notificationUrl: receiver.url } })
  const first = receiver.next()
  await send(app, VIDEOS.ready)
  await first
  // The first try failed; the retry waits a minute: deleting the video drops it.
  await app.inject({ method: 'DELETE', url: `/__mock/videos/${VIDEOS.ready}` })
  await app.mock.webhooks.idle()
  t.match(app.mock.webhooks.get(1), { state: 'dropped' })
  const second = receiver.next()
  await send(app, VIDEOS.inProgress)
  await second
  await app.inject({ method: 'POST', url: '/__mock/reset', payload: { account: ACCOUNT } })
  t.same(app.mock.webhooks.list(), [], 'an account reset forgets its deliveries')
  t.equal((await app.inject({ method: 'POST', url: '/__mock/webhooks/deliveries/1/redeliver' })).statusCode, 404)
  await app.inject({ method: 'PUT', url: webhookPath, headers: AUTH, payload: { notificationUrl: receiver.url } })
  await send(app, VIDEOS.inProgress)
  app.mock.webhooks.close()
  t.match(app.mock.webhooks.list(), [{ state: 'dropped' }], 'a close drops what is pending')
  t.equal(app.mock.webhooks.deliverVideoEvent(ACCOUNT, { uid: VIDEOS.inProgress }), undefined, 'nothing is sent after a close')
})

t.test('a redelivery needs a subscription; subscriptions are bounded', async (t) => {
  const { app } = await subscribed(t, [200])
  await send(app, VIDEOS.ready)
  await app.mock.webhooks.idle()
  await app.inject({ method: 'DELETE', url: webhookPath, headers: AUTH })
  const refused = await app.inject({ method: 'POST', url: '/__mock/webhooks/deliveries/1/redeliver' })
  t.equal(refused.statusCode, 409)
  t.match(refused.json().errors[0].message, /has no webhook subscription/)
  for (let n = 0; n < 10_000; n++) app.mock.store.signing.setWebhook(n.toString(16).padStart(32, '0'), { notificationUrl: 'http://x', secret: 's', modified: 'm' })
  const full = await app.inject({ method: 'PUT', url: webhookPath, headers: AUTH, payload: { notificationUrl: 'http://127.0.0.1:1/' } })
  t.equal(full.statusCode, 409)
  t.same(full.json().errors, [{ code: 10409, message: 'the mock holds at most 10000 webhook subscriptions; delete some, or reset' }])
})

t.test('fault rules with target webhook fail, delay, drop or duplicate tries; other rules leave deliveries alone', async (t) => {
  const { app, receiver, secret } = await subscribed(t, [200])
  const rule = async (body: object): Promise<any> => (await app.inject({ method: 'POST', url: '/__mock/faults', payload: body })).json()
  t.match((await rule({ duplicate: 1 })).errors, [{ message: /duplicate needs target: webhook/ }])
  t.match((await rule({ target: 'webhook' })).errors, [{ message: /needs at least one of/ }])
  await rule({ status: 500 })
  const failing = (await rule({ target: 'webhook', status: 503, times: 1 })).result
  await send(app, VIDEOS.ready)
  await app.mock.webhooks.idle()
  t.match(app.mock.webhooks.get(1), { state: 'delivered', attempts: [{ status: 503, fault: failing.id, error: /not sent/ }, { status: 200 }] })
  t.equal(receiver.received.length, 1, 'the failed try was not sent')
  t.match(app.mock.journal.list().filter((entry) => entry.webhook !== undefined)[0], { forced: 'fault', faultId: failing.id })
  await rule({ target: 'webhook', duplicate: 2, times: 1 })
  await send(app, VIDEOS.ready)
  await app.mock.webhooks.idle()
  t.match(app.mock.webhooks.get(2), { state: 'delivered', attempts: [{ status: 200, duplicates: 2 }] })
  t.equal(receiver.received.length, 4, 'the try and its two copies')
  for (const copy of receiver.received.slice(1)) t.ok(verifyWebhookSignature(copy.headers['webhook-signature'] as string, secret, copy.body), 'each copy verifies')
  await rule({ target: 'webhook', drop: true, times: 1 })
  await rule({ target: 'webhook', latencyMs: 20, times: 1, match: { video: VIDEOS.ready } })
  await send(app, VIDEOS.ready)
  await app.mock.webhooks.idle()
  t.match(app.mock.webhooks.get(3), { state: 'delivered', attempts: [{ status: 0, error: /dropped by fault rule/ }, { status: 200, fault: String }] })
  t.equal((await app.inject({ method: 'GET', url: `/client/v4/accounts/${ACCOUNT}/stream/keys`, headers: AUTH })).statusCode, 500, 'the API rule still answers API requests')
})
