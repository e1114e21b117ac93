/**
 * `stream-downloads-mock/jest`, in a test file: `workerMock()` hands this worker its own account
 * on the run's one mock, which `stream-downloads-mock/jest/global-setup` started and described in
 * the environment (jest's workers inherit it). The worker is `JEST_WORKER_ID`.
 */
import { connectionFromEnvironment, workerNumber } from './worker.js'
import { createWorkerMock, type WorkerMock } from './worker-mock.js'

export { ACCOUNT_PREFIX, VIDEO_PREFIX, RunnerSetupError, workerAccount, workerVideo, type MockConnection } from './worker.js'
export type { WorkerMock } from './worker-mock.js'

/** This worker's account on the run's mock (see WorkerMock), from the environment and JEST_WORKER_ID. */
export function workerMock (env: Record<string, string | undefined> = process.env): WorkerMock {
  return createWorkerMock(connectionFromEnvironment(env), workerNumber(env.JEST_WORKER_ID, 'JEST_WORKER_ID'))
}
