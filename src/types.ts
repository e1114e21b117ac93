import type { Config } from './config.js'
import type { DownloadType } from './domain/ids.js'
import type { DownloadStatus } from './domain/progress.js'
import type { MockClock } from './plugins/clock.js'
import type { DownloadStore } from './store/download-store.js'

/**
 * What the Cloudflare routes learn about a request, for the journal and the polling report:
 * which account, video and type it named, whether its answer was forced, and (for a 2xx GET)
 * the statuses the client was shown.
 */
export interface MockNote {
  account?: string
  video?: string
  type?: DownloadType
  /** Set when the answer was forced: by a `Prefer: code=...` header or by a fault rule. */
  forced?: 'prefer' | 'fault'
  /** The fault rule that answered, when `forced` is 'fault'. */
  faultId?: string
  /** True when a fault rule dropped the connection instead of answering. */
  dropped?: boolean
  /** The download statuses a successful GET showed. */
  downloads?: Partial<Record<DownloadType, DownloadStatus>>
}

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
  interface FastifyContextConfig {
    /** On a method-not-allowed route: the methods the path does have. */
    allow?: readonly string[]
  }
}
