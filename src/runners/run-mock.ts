/**
 * The run's one mock, as the runners' globalSetup starts it: startMock on a free port, and the
 * connection its workers are handed.
 */
import { startMock } from '../index.js'
import type { StartOptions } from '../start.js'
import type { MockConnection } from './worker.js'

/** The mock a run started: the connection for its workers and how to stop it. */
export interface RunMock {
  readonly connection: MockConnection
  close: () => Promise<void>
}

/** Starts the run's mock (a free port unless `options.port` says otherwise). */
export async function startRunMock (options: StartOptions = {}): Promise<RunMock> {
  const mock = await startMock({ port: 0, ...options })
  const adminToken = options.config?.adminToken
  const connection: MockConnection = adminToken === undefined ? { url: mock.url } : { url: mock.url, adminToken }
  return { connection, close: mock.close }
}
