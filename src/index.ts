import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { AdminClient } from './admin-client.js'
import { buildApp, type BuildOptions } from './app.js'

export { buildApp, type BuildOptions } from './app.js'
export { loadConfig, ConfigError, type Config } from './config.js'
export { FixtureError } from './seed/fixture-error.js'
export { DataFileError } from './store/download-store.js'
export type { FixtureDocument, VideoFixture, DownloadFixture, ProgressionSettings } from './schemas/fixture.js'
export type { Download, DownloadsResult } from './schemas/download.js'
export { AdminClient, AdminApiError } from './admin-client.js'
export type {
  AdminClientOptions, AccountAdminClient, AdminErrorMessage, AdvanceResult, ClockView, DownloadPatch, DownloadType,
  DownloadView, FaultMatch, FaultRule, FaultRuleInput, FixturesLoaded, JournalEntry, JournalList, JournalQuery,
  OpenApiDocument, PollingReport, ProgressionDefaults, ResetResult, VideoInput, VideoView
} from './admin-client.js'

export interface StartOptions extends BuildOptions {
  /** TCP port; 0 (the default here) picks a free one. */
  port?: number
  /** Interface to listen on (default 127.0.0.1). */
  host?: string
}

/** A running mock server. */
export interface RunningMock {
  /** Base url of the server, e.g. `http://127.0.0.1:41234`; the API is under `${url}/client/v4`. */
  url: string
  /** The Fastify instance, for its clock and store. */
  app: FastifyInstance
  /** A client of the admin API at `${url}/__mock`, with the configured admin token. */
  admin: AdminClient
  /**
   * Stops the ticker, finishes requests in flight (for at most `closeTimeoutMs`, default 5 s;
   * then their connections are ended), flushes the store, closes the port.
   */
  close: () => Promise<void>
}

/** Builds and starts the mock server in this process, as json-server and msw allow. */
export async function startMock (options: StartOptions = {}): Promise<RunningMock> {
  const port = options.port ?? options.config?.port ?? 0
  const host = options.host ?? options.config?.host ?? '127.0.0.1'
  const app = await buildApp({ logger: false, ...options, config: { ...options.config, port, host } })
  try {
    await app.listen({ port, host })
  } catch (error) {
    await app.close()
    throw error
  }
  // A TCP listener's address is always an AddressInfo (a string only for pipes and sockets).
  const actualPort = (app.server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host
  // The app's config keeps the real port, for download urls built without a usable Host header.
  app.mock.config.port = actualPort
  const url = `http://${urlHost}:${actualPort}`
  const admin = new AdminClient(`${url}/__mock`, { token: app.mock.config.adminToken })
  return { url, app, admin, close: async () => { await closeWithin(app, app.mock.config.closeTimeoutMs) } }
}

/**
 * Closes the app, giving requests in flight `deadlineMs` to finish: after that their connections
 * are ended (a slow client, a long latency fault), so the close completes, and the store is
 * flushed by its onClose hook as on any close. `docker stop` kills after 10 s: the default 5 s
 * leaves time for the flush.
 */
async function closeWithin (app: FastifyInstance, deadlineMs: number): Promise<void> {
  const deadline = setTimeout(() => {
    app.log.warn({ deadlineMs }, 'close deadline reached: ending the connections still open')
    app.server.closeAllConnections()
  }, deadlineMs)
  try {
    await app.close()
  } finally {
    clearTimeout(deadline)
  }
}
