import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { configWithDefaults, type Config } from './config.js'
import type { Progression } from './domain/progress.js'
import { BUNDLED_ASSETS } from './paths.js'
import clockPlugin from './plugins/clock.js'
import envelopePlugin, { answerClientError } from './plugins/envelope.js'
import storePlugin from './plugins/store.js'
import downloadsRoutes from './routes/downloads.js'
import healthRoutes from './routes/health.js'
import mediaRoutes from './routes/media.js'
import type { FixtureDocument } from './schemas/fixture.js'
import { checkFixture, readFixtures, type NamedFixture } from './seed/load-fixtures.js'
import './types.js'

/** Largest request body accepted on the Cloudflare surface (bytes). */
export const BODY_LIMIT = 1024 * 1024

/** Polls a `polls` download takes by default to go from 0 to 100. */
const DEFAULT_POLL_STEP = 25

export interface BuildOptions {
  /** Configuration; anything missing takes its default. */
  config?: Partial<Config>
  /**
   * Fixtures: a file or folder path (default: `config.fixtures`), or fixture documents in
   * memory (validated like files).
   */
  fixtures?: string | FixtureDocument | FixtureDocument[]
  /** Fastify's logger option; default: pino at `config.logLevel`. */
  logger?: FastifyServerOptions['logger']
  /** Run the ticker on the wall clock (default true); tests set false and call `app.clock.advance`. */
  autoTick?: boolean
  /** How long data-file writes are coalesced (ms, default 200). */
  flushDelayMs?: number
}

/** Reads fixtures from a path, or validates documents given in memory. */
async function resolveFixtures (fixtures: string | FixtureDocument | FixtureDocument[]): Promise<NamedFixture[]> {
  if (typeof fixtures === 'string') return await readFixtures(fixtures)
  const documents = Array.isArray(fixtures) ? fixtures : [fixtures]
  return documents.map((document, index) => {
    const source = `fixtures[${index}]`
    return { source, document: checkFixture(structuredClone(document), source) }
  })
}

/**
 * Builds the mock server: configuration, fixtures, store, clock, and the routes. Never listens;
 * `src/server.ts` and `startMock` do. Throws a FixtureError or ConfigError for bad input.
 */
export async function buildApp (options: BuildOptions = {}): Promise<FastifyInstance> {
  const config = configWithDefaults(options.config)
  const fixtures = await resolveFixtures(options.fixtures ?? config.fixtures)
  const defaults: Progression = { model: 'time', speed: config.speed, step: DEFAULT_POLL_STEP }

  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: BODY_LIMIT,
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
    forceCloseConnections: 'idle'
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('config', config)
  await app.register(envelopePlugin, { bodyLimit: BODY_LIMIT })
  await app.register(storePlugin, { fixtures, defaults, dataFile: config.dataFile, flushDelayMs: options.flushDelayMs })
  await app.register(clockPlugin, { tickMs: config.tickMs, autoTick: options.autoTick })
  await app.register(healthRoutes)
  await app.register(mediaRoutes, { assetsDir: BUNDLED_ASSETS })
  // The Cloudflare surface, under the API prefix and at the root, so both base urls work.
  await app.register(downloadsRoutes, { prefix: '/client/v4', publicUrl: config.publicUrl })
  await app.register(downloadsRoutes, { publicUrl: config.publicUrl })
  return app
}
