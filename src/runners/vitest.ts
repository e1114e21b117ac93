/**
 * `stream-downloads-mock/vitest`, in a test file: `workerMock()` hands this worker its own
 * account on the run's one mock, which `stream-downloads-mock/vitest/global-setup` started and
 * provided. The worker is `VITEST_POOL_ID`.
 *
 * Not loaded by tap (it imports vitest, which the project does not install), so it is not in
 * `npm test`'s coverage: `npm run test:runners` runs it in vitest itself. It is two lines of
 * glue; what it calls (worker.ts, worker-mock.ts) is covered by tap.
 */
import { inject } from 'vitest'
import { providedConnection, workerNumber, PROVIDE_KEY } from './worker.js'
import { createWorkerMock, type WorkerMock } from './worker-mock.js'

export { ACCOUNT_PREFIX, VIDEO_PREFIX, RunnerSetupError, workerAccount, workerVideo, type MockConnection } from './worker.js'
export type { WorkerMock } from './worker-mock.js'

/** This worker's account on the run's mock (see WorkerMock), from vitest's inject and VITEST_POOL_ID. */
export function workerMock (): WorkerMock {
  return createWorkerMock(providedConnection(inject(PROVIDE_KEY)), workerNumber(process.env.VITEST_POOL_ID, 'VITEST_POOL_ID'))
}
