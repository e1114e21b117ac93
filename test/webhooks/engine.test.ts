import t from 'tap'
import { WebhookDeliveries } from '../../src/webhooks/deliveries.js'
import { WebhookReceiver } from '../helpers/webhook-receiver.js'

t.test('bounds: pending deliveries past the bound are not sent (and logged); the listing keeps the newest settled', async (t) => {
  const receiver = await new WebhookReceiver().listen()
  t.teardown(() => receiver.close())
  const warnings: string[] = []
  const deliveries = new WebhookDeliveries({ retryMs: 1, tries: 1, timeoutMs: 1000, maxPending: 1, maxKept: 1 }, {
    subscription: () => ({ notificationUrl: receiver.url, secret: 's', modified: 'm' }),
    journal: () => {},
    log: { info: () => {}, warn: (_obj, msg) => { warnings.push(msg as string) } }
  })
  t.teardown(() => deliveries.close())
  t.match(deliveries.deliverVideoEvent('a', { uid: 'v1' }), { id: 1 })
  t.equal(deliveries.deliverVideoEvent('a', { uid: 'v2' }), undefined, 'one pending already')
  t.same(warnings, ['webhook not sent: 1 deliveries are pending already'])
  await deliveries.idle()
  t.match(deliveries.deliverVideoEvent('a', { uid: 'v3' }), { id: 2 })
  t.same(deliveries.list().map((delivery) => delivery.id), [2], 'the settled one made room')
  await deliveries.idle()
  await deliveries.idle()
  t.same(deliveries.list('b'), [])
})

t.test('drop by account or video, a delivery dropped in flight, redeliver of an unknown id, a listing of pending only', async (t) => {
  const receiver = await new WebhookReceiver(['hang']).listen()
  t.teardown(() => receiver.close())
  const deliveries = new WebhookDeliveries({ retryMs: 1, tries: 1, timeoutMs: 10_000, maxKept: 1 }, {
    subscription: (account) => account === 'none' ? undefined : { notificationUrl: receiver.url, secret: 's', modified: 'm' },
    journal: () => {},
    log: { info: () => {}, warn: () => {} }
  })
  t.teardown(() => deliveries.close())
  t.equal(deliveries.deliverVideoEvent('none', { uid: 'v' }), undefined, 'no subscription')
  const arrived = receiver.next()
  deliveries.deliverVideoEvent('a', { uid: 'v1' })
  deliveries.deliverVideoEvent('b', { uid: 'v2' })
  t.equal(deliveries.list().length, 2, 'pending ones are kept past maxKept')
  await arrived
  deliveries.drop({ account: 'a', video: 'other' })
  deliveries.drop({ account: 'b' })
  t.same(deliveries.list().map((delivery) => delivery.state), ['dropped', 'pending'])
  deliveries.drop({ video: 'v1' })
  await deliveries.idle()
  t.match(deliveries.get(1), { state: 'dropped', attempts: [{ status: 0, error: 'dropped' }] }, 'aborted in flight')
  t.equal(deliveries.redeliver(99), undefined)
})
