import { Ajv, type AnySchema, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import fastJsonStringify, { type Schema as FjsSchema } from 'fast-json-stringify'
import { METHODS } from 'node:http'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import cloudflareSurface, { surfaceAtRoot } from './cloudflare/index.js'
import { configWithDefaults, type Config } from './config.js'
import type { Progression } from './domain/progress.js'
import { createMockServer } from './http-server.js'
import { BUNDLED_ASSETS } from './paths.js'
import { bundledAssets, type MediaFile } from './routes/bundled-assets.js'
import deliveryRoutes from './routes/delivery.js'
import clockPlugin from './plugins/clock.js'
import { Errors } from './domain/errors.js'
import envelopePlugin, { answerClientError, apiPath, sendFailure } from './plugins/envelope.js'
import coveragePlugin from './plugins/coverage.js'
import eventsPlugin from './plugins/events.js'
import faultsPlugin from './plugins/faults.js'
import journalPlugin from './plugins/journal.js'
import { addMockPart } from './plugins/mock-parts.js'
import storePlugin from './plugins/store.js'
import tokensPlugin from './plugins/tokens.js'
import webhooksPlugin from './plugins/webhooks.js'
import { MAX_TOKEN_LENGTH } from './domain/signed-tokens.js'
import adminRoutes, { ADMIN_PREFIX, unknownAdminRoute } from './routes/admin/index.js'
import { adminHeadAsGet } from './routes/admin/head-as-get.js'
import dashboardRoutes from './routes/admin/dashboard.js'
import healthRoutes from './routes/health.js'
import mediaRoutes from './routes/media.js'
import type { FixtureDocument } from './schemas/fixture.js'
import { checkFixture, readFixtures, type NamedFixture } from './seed/load-fixtures.js'

/** Largest request body accepted on the Cloudflare surface (bytes). */
export const BODY_LIMIT = 1024 * 1024

/** Most fault rules held at once. */
export const MAX_FAULT_RULES = 100

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
  /** Run the ticker on the wall clock (default true); tests set false and move mock time through the admin API's clock routes. */
  autoTick?: boolean
  /** How long data-file writes are coalesced (ms, default 200). */
  flushDelayMs?: number
  /** How often an idle event stream gets a heartbeat comment (real ms, default 15 s). */
  eventHeartbeatMs?: number
  /** Most declared accounts (default MAX_ACCOUNTS, 100,000); tests lower it to reach the bound. */
  maxAccounts?: number
  /**
   * The wall clock (ms since the epoch, default Date.now), the one the mock reads real time from:
   * token `exp`/`nbf`, the webhook's `time=`, rate-limit windows, journal times, and what a
   * running mock clock follows. Tests pass their own, so that nothing depends on real time.
   */
  wallClock?: () => number
}

/**
 * Validators for route schemas. Unknown properties are errors that name the field (never silently
 * dropped), and every issue is reported. Query strings and path parameters are text, so their
 * values are converted to the schema's types; bodies are JSON and are taken as sent: `null` stays
 * null and "50" stays a string, where conversion would turn a cleared fail point into a fail at 0.
 */
const validators = {
  text: new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: true, strict: false }),
  json: new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: true, strict: false })
}
// ajv-formats is CommonJS: from ESM its plugin is the `default` of the module's exports.
addFormatsModule.default(validators.text)
addFormatsModule.default(validators.json)

/**
 * Route schemas compile once a process, not once an app: building an app compiled the same
 * schemas again every time (most of a warm `startMock`: 47 validators, 18 of them distinct, and
 * every response serializer), and Fastify hands some of them over as fresh objects, which
 * Ajv's own cache, by object, keeps for the life of the process. A validator or serializer is a
 * pure function of its schema (the routes use no shared `$ref` schemas), so the apps of a process
 * share them, keyed by the schema's JSON; the keys are the routes' schemas, a fixed set.
 */
type Compiled = ValidateFunction | ((data: unknown) => string)
const compiled = new Map<string, Compiled>()
/** The same, by schema object first: most schemas are the same objects in every app, and their JSON is not free. */
const compiledByObject = { json: new WeakMap<object, Compiled>(), text: new WeakMap<object, Compiled>(), response: new WeakMap<object, Compiled>() }

function once<T extends Compiled> (kind: keyof typeof compiledByObject, schema: AnySchema, compile: () => T): T {
  const byObject = compiledByObject[kind]
  // A route schema is an object (a boolean schema never reaches a route).
  let done = byObject.get(schema as object) as T | undefined
  if (done !== undefined) return done
  const key = `${kind} ${JSON.stringify(schema)}`
  done = compiled.get(key) as T | undefined
  if (done === undefined) {
    done = compile()
    compiled.set(key, done)
  }
  byObject.set(schema as object, done)
  return done
}

/** Fastify's validator compiler over the two validators above. */
function validatorFor ({ schema, httpPart }: FastifyRouteSchemaDef<AnySchema>): ValidateFunction {
  const validator = httpPart === 'body' ? 'json' : 'text'
  return once(validator, schema, () => validators[validator].compile(schema))
}

/** Fastify's serializer compiler: fast-json-stringify, as Fastify's default (no shared schemas), compiled once a schema. */
function serializerFor ({ schema }: FastifyRouteSchemaDef<AnySchema>): (data: unknown) => string {
  return once('response', schema, () => fastJsonStringify(schema as FjsSchema))
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

/** Fixtures for a reset: the files read again. */
function rereading (path: string): () => Promise<NamedFixture[]> {
  return async () => await readFixtures(path)
}

/** Fixtures for a reset: the ones given in memory (a function of its own, so it holds nothing more). */
function keeping (fixtures: NamedFixture[]): () => Promise<NamedFixture[]> {
  return async () => fixtures
}

/**
 * Builds the mock server: configuration, fixtures, store, clock, and the routes. Never listens;
 * `src/server.ts` and `startMock` do. Throws a FixtureError or ConfigError for bad input.
 */
export async function buildApp (options: BuildOptions = {}): Promise<FastifyInstance> {
  const config = configWithDefaults(options.config)
  const source = options.fixtures ?? config.fixtures
  const fixtures = await resolveFixtures(source)
  // A reset reads fixture files again (a small file that has not changed comes parsed from the
  // process's cache, see readFixtures; a large one is not held for the life of the server, about
  // 200 bytes a video); fixtures given in memory are the caller's and stay as given.
  const reloadFixtures = typeof source === 'string' ? rereading(source) : keeping(fixtures)
  const defaults: Progression = { model: 'time', speed: config.speed, step: DEFAULT_POLL_STEP }

  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: BODY_LIMIT,
    // A signed token stands in place of a video id in media urls: a path segment may be that long.
    routerOptions: { maxParamLength: MAX_TOKEN_LENGTH },
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
    // Before routing: a path segment too long for the router or a malformed %-escape. Either way
    // the path names nothing, as Cloudflare says of an unroutable one.
    frameworkErrors: (_error, request, reply) => sendFailure(reply, Errors.routeNotFound(apiPath(request.url))),
    forceCloseConnections: 'idle',
    // Fastify's HEAD routes only where HEAD means something of its own (not the admin API: see
    // head-as-get.ts); those routes say `exposeHeadRoute: true`.
    exposeHeadRoutes: false,
    // The Cloudflare surface is registered once, at the root; its paths under /client/v4 are mapped onto it.
    rewriteUrl: (request) => {
      adminHeadAsGet(request)
      return surfaceAtRoot(request)
    },
    serverFactory: (handler, fastifyOptions) => createMockServer(handler, {
      headersTimeoutMs: config.headersTimeoutMs,
      keepAliveTimeout: fastifyOptions.keepAliveTimeout as number,
      connectionTimeout: fastifyOptions.connectionTimeout as number,
      // Fastify's options hold its logger by now: the app's own log.
      log: fastifyOptions.logger as FastifyBaseLogger
    })
  }).withTypeProvider<TypeBoxTypeProvider>()
  // Every method Node parses is routed, so that one the Cloudflare paths do not have is a 405
  // with Allow there (as PUT is), not an unknown route. (CONNECT reaches Fastify through
  // createMockServer.)
  for (const method of METHODS) {
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: method !== 'CONNECT' })
  }

  const scenarioControl = config.admin === 'on'
  app.setValidatorCompiler(validatorFor)
  app.setSerializerCompiler(serializerFor)
  addMockPart(app, 'config', config)
  app.decorateRequest('mockNote', undefined)
  await app.register(envelopePlugin)
  await app.register(storePlugin, { fixtures, reloadFixtures, defaults, dataFile: config.dataFile, flushDelayMs: options.flushDelayMs, maxVideos: config.maxVideos, wallClock: options.wallClock, ...(options.maxAccounts === undefined ? {} : { maxAccounts: options.maxAccounts }) })
  await app.register(tokensPlugin)
  await app.register(clockPlugin, { tickMs: config.tickMs, autoTick: options.autoTick })
  await app.register(eventsPlugin, { heartbeatMs: options.eventHeartbeatMs })
  await app.register(coveragePlugin, { file: config.coverageFile })
  await app.register(journalPlugin, { limit: config.journalSize, mockNow: (account) => app.mock.store.now(account), wallNow: () => app.mock.store.wallMs() })
  await app.register(webhooksPlugin)
  await app.register(faultsPlugin, { maxRules: MAX_FAULT_RULES })
  await app.register(healthRoutes)
  await app.register(mediaRoutes, { assetsDir: BUNDLED_ASSETS })
  await app.register(deliveryRoutes, { assetsDir: BUNDLED_ASSETS })
  const mediaSize = ((await bundledAssets(BUNDLED_ASSETS)).media.get('default') as MediaFile).bytes.length
  await app.register(cloudflareSurface, {
    publicUrl: config.publicUrl,
    scenarioControl,
    autoCreate: config.autoCreate === 'on',
    adminToken: config.adminToken,
    mediaSize,
    notFoundHooks: scenarioControl ? [unknownAdminRoute(config.adminToken)] : []
  })
  if (scenarioControl) {
    await app.register(adminRoutes, { prefix: ADMIN_PREFIX, token: config.adminToken })
    // Beside the admin API, not in it: the page's shell is public (it holds no data), its data is not.
    await app.register(dashboardRoutes, { prefix: ADMIN_PREFIX })
  }
  return app
}
