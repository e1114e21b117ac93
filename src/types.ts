import type { Config } from './config.js'
import type { MockClock } from './plugins/clock.js'
import type { DownloadStore } from './store/download-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    store: DownloadStore
    clock: MockClock
  }
  interface FastifyContextConfig {
    /** On a method-not-allowed route: the methods the path does have. */
    allow?: readonly string[]
  }
}
