import type { Config } from './config.js'
import type { CoverageBook } from './domain/coverage.js'
import type { FaultBook } from './domain/faults.js'
import type { Journal, RequestNote } from './domain/journal.js'
import type { MockClock } from './plugins/clock.js'
import type { EventBus } from './plugins/events.js'
import type { DownloadStore } from './store/download-store.js'
import type { TokenVerifier } from './cloudflare/signed-urls.js'
import type { WebhookDeliveries } from './webhooks/deliveries.js'

/** What the Cloudflare routes note about a request, for the journal and the polling report. */
export type MockNote = RequestNote

/**
 * Everything the mock adds to its Fastify instance, under the one decorator `app.mock`: no other
 * name of the instance is the mock's, so nothing it adds can clash with a user's decorators.
 * Each plugin adds its part as it registers (see `addMockPart`).
 */
export interface MockParts {
  /** The configuration, defaults filled in (`port` is the real one once `startMock` listens). */
  config: Config
  /** The videos, their downloads and the clocks. */
  store: DownloadStore
  /** Mock time and the ticker. */
  clock: MockClock
  /** The request journal of the Cloudflare surface. */
  journal: Journal
  /** The fault rules that the Cloudflare routes consult on every request. */
  faults: FaultBook
  /** Everything that happens, published once: the event streams and the wait-until API read it. */
  events: EventBus
  /** What each account's clients were shown (the coverage report). */
  coverage: CoverageBook
  /** Signed URL tokens: the mock's token key and the verifier of tokens in media urls. */
  tokens: TokenVerifier
  /** Webhook deliveries: `deliverVideoEvent` is what a video's transition to ready or error calls. */
  webhooks: WebhookDeliveries
}
