/**
 * jest's globalSetup (`stream-downloads-mock/jest/global-setup`): starts one mock for the run, in
 * jest's parent process, before the workers are made; its url (and admin token) go into
 * process.env, which the workers inherit and `workerMock()` reads. jest/global-teardown stops it.
 */
import type { StartOptions } from '../start.js'
import { startRunMock, type RunMock } from './run-mock.js'
import { connectionEnvironment } from './worker.js'

/** Where the running mock is kept for the teardown: jest runs both hooks in its parent process. */
export const RUN_MOCK = Symbol.for('stream-downloads-mock/jest')

type Holder = Record<typeof RUN_MOCK, RunMock | undefined>

/** A globalSetup that starts the mock with `options` (startMock's; default a free port and the bundled fixtures). */
export function mockGlobalSetup (options: StartOptions = {}, env: Record<string, string | undefined> = process.env): () => Promise<void> {
  return async () => {
    const holder = globalThis as unknown as Holder
    // A setup called again before its teardown keeps the mock it has: one mock per process.
    if (holder[RUN_MOCK] !== undefined) return
    const mock = await startRunMock(options)
    holder[RUN_MOCK] = mock
    Object.assign(env, connectionEnvironment(mock.connection))
  }
}

/** The globalTeardown's work: closes the mock the globalSetup started, if any. */
export async function closeRunMock (): Promise<void> {
  const holder = globalThis as unknown as Holder
  const mock = holder[RUN_MOCK]
  holder[RUN_MOCK] = undefined
  await mock?.close()
}

/** The globalSetup with the defaults: `globalSetup: 'stream-downloads-mock/jest/global-setup'`. */
export default mockGlobalSetup()
