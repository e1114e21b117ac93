import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { WebhookDeliveries } from '../webhooks/deliveries.js'
import { addMockPart } from './mock-parts.js'

/**
 * Adds the webhook deliveries (`app.mock.webhooks`): subscriptions from the store, every try
 * in the journal; pending deliveries are dropped when the app closes.
 */
export default fp(async function webhooksPlugin (app: FastifyInstance) {
  const { config, store, journal } = app.mock
  const deliveries = new WebhookDeliveries({ retryMs: config.webhookRetryMs, tries: config.webhookTries, timeoutMs: config.webhookTimeoutMs }, {
    subscription: (account) => store.signing.webhookOf(account),
    // The fault plugin registers later; a try asks it when it runs.
    fault: (delivery) => app.mock.faults.take({ method: 'POST', path: delivery.url, account: delivery.account, video: delivery.video, target: 'webhook' })?.action,
    journal: (delivery, attempt) => {
      const wallMs = Date.parse(attempt.at)
      journal.record({
        wallMs,
        mockMs: store.now(delivery.account),
        method: 'POST',
        path: delivery.url,
        status: attempt.status,
        credentials: 'Webhook-Signature',
        note: {
          account: delivery.account,
          video: delivery.video,
          webhook: { delivery: delivery.id, attempt: delivery.attempts.length, durationMs: attempt.durationMs, ...(attempt.error === undefined ? {} : { error: attempt.error }) },
          ...(attempt.fault === undefined ? {} : { forced: 'fault' as const, faultId: attempt.fault })
        },
        retryAfterMs: undefined
      })
      // And on the event stream, for a test that waits for its receiver to be called.
      app.mock.events.publish({ type: 'webhook.delivery', account: delivery.account, video: delivery.video, url: delivery.url, status: attempt.status, attempt: delivery.attempts.length })
    },
    log: app.log,
    // `time=` of the signature and the tries' timing: the wall clock (receivers compare `time` with theirs).
    wallClock: () => store.wallMs()
  })
  addMockPart(app, 'webhooks', deliveries)
  app.addHook('onClose', async () => { deliveries.close() })
}, { name: 'webhooks', dependencies: ['store', 'journal', 'events'] })
