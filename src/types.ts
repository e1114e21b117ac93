import type { Config } from './config.js'
import type { RequestNote } from './domain/journal.js'
import type { MockClock } from './plugins/clock.js'
import type { DownloadStore } from './store/download-store.js'

/** What the Cloudflare routes note about a request, for the journal and the polling report. */
export type MockNote = RequestNote

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    store: DownloadStore
    clock: MockClock
  }
  interface FastifyRequest {
    /** Set by the Cloudflare routes on their requests; undefined elsewhere. */
    mockNote: MockNote | undefined
  }
}
