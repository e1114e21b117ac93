import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Progression } from '../domain/progress.js'
import type { NamedFixture } from '../seed/load-fixtures.js'
import { DownloadStore } from '../store/download-store.js'
import { addMockPart } from './mock-parts.js'

export interface StorePluginOptions {
  fixtures: NamedFixture[]
  reloadFixtures?: () => Promise<NamedFixture[]>
  defaults: Progression
  dataFile?: string
  flushDelayMs?: number
  maxVideos?: number
  maxAccounts?: number
  /** The wall clock (ms; default Date.now). */
  wallClock?: () => number
}

/**
 * Opens the store, adds it to the app (`app.mock.store`), and flushes it when the app closes; a failed last
 * write rejects the app's close with the store's DataFileError.
 */
export default fp(async function storePlugin (app: FastifyInstance, options: StorePluginOptions) {
  const store = await DownloadStore.open({ ...options, log: app.log })
  addMockPart(app, 'store', store)
  app.addHook('onClose', async () => { await store.close() })
}, { name: 'store' })
