/**
 * Listening and closing, for `startMock` and the command line; not part of the package's
 * public face (`startMock` hands out a narrow handle, never the Fastify instance).
 */
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp, type BuildOptions } from './app.js'

export interface StartOptions extends BuildOptions {
  /** TCP port; 0 (the default here) picks a free one. */
  port?: number
  /** Interface to listen on (default 127.0.0.1). */
  host?: string
}

/** A listening app and its base url. */
export interface StartedApp {
  app: FastifyInstance
  /** e.g. `http://127.0.0.1:41234`. */
  url: string
  /** Closes the app within its `closeTimeoutMs` (see closeWithin). */
  close: () => Promise<void>
}

/** Builds the app and listens; on a failed listen the app is closed and the error thrown. */
export async function startApp (options: StartOptions = {}): Promise<StartedApp> {
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
  return { app, url: `http://${urlHost}:${actualPort}`, close: async () => { await closeWithin(app, app.mock.config.closeTimeoutMs) } }
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
