/**
 * vitest's globalSetup (`stream-downloads-mock/vitest/global-setup`): starts one mock for the
 * run, in vitest's main process, and provides its connection to every worker (`provide`), where
 * `workerMock()` of `stream-downloads-mock/vitest` picks it up; stops it when the run ends.
 */
import type { StartOptions } from '../start.js'
import { startRunMock } from './run-mock.js'
import { PROVIDE_KEY } from './worker.js'

/**
 * What vitest hands a globalSetup (its TestProject): only `provide` is used. Typed here, so
 * that the package's types need no vitest.
 */
export interface ProvidingProject {
  provide: (key: never, value: never) => void
}

/** A globalSetup that starts the mock with `options` (startMock's; default a free port and the bundled fixtures). */
export function mockGlobalSetup (options: StartOptions = {}): (project: ProvidingProject) => Promise<() => Promise<void>> {
  return async (project) => {
    const mock = await startRunMock(options)
    // vitest types provide() by its ProvidedContext interface, which this package does not augment.
    const provide = project.provide as (key: string, value: unknown) => void
    provide(PROVIDE_KEY, mock.connection)
    return mock.close
  }
}

/** The globalSetup with the defaults: `globalSetup: ['stream-downloads-mock/vitest/global-setup']`. */
export default mockGlobalSetup()
