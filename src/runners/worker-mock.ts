/**
 * A test worker's share of the run's one mock: its own account (and video ids), the admin
 * client, and the account's reset. Built by the vitest and jest helpers from the connection the
 * run's globalSetup handed out; loads no server code (the workers only talk to the mock).
 */
import { AdminClient, type AccountAdminClient, type VideoInput, type VideoView } from '../admin-client.js'
import type { ResetResult } from '../schemas/admin.js'
import { workerAccount, workerVideo, type MockConnection } from './worker.js'

/** What a test worker gets: its account on the run's mock and the clients to drive it. */
export interface WorkerMock {
  /** The worker's number (`VITEST_POOL_ID` / `JEST_WORKER_ID`), from 1. */
  readonly worker: number
  /** The worker's own account id (32 hex digits): no other worker of the run uses it. */
  readonly account: string
  /** Base url of the mock, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** The Cloudflare API's base url, `${url}/client/v4` (the SDKs' `baseURL`). */
  readonly apiUrl: string
  /** The client of the whole admin API (with the run's admin token). */
  readonly admin: AdminClient
  /** The admin operations of the worker's account (`admin.forAccount(account)`). */
  readonly accountAdmin: AccountAdminClient
  /** The worker's video id `index` (default 0): unique to this worker, as video ids are across accounts. */
  videoId: (index?: number) => string
  /** Creates (or replaces) the worker's video `index` on its account; `input` as for `admin.putVideo`. */
  putVideo: (index?: number, input?: Omit<VideoInput, 'account'>) => Promise<VideoView>
  /** Resets the worker's account alone: its videos, clock, fault rules, journal entries. */
  reset: () => Promise<ResetResult>
}

/** The worker `worker`'s share of the mock at `connection`. */
export function createWorkerMock (connection: MockConnection, worker: number): WorkerMock {
  const account = workerAccount(worker)
  const admin = new AdminClient(`${connection.url}/__mock`, { token: connection.adminToken })
  const accountAdmin = admin.forAccount(account)
  return {
    worker,
    account,
    url: connection.url,
    apiUrl: `${connection.url}/client/v4`,
    admin,
    accountAdmin,
    videoId: (index = 0) => workerVideo(worker, index),
    putVideo: async (index = 0, input = {}) => await admin.putVideo(workerVideo(worker, index), { ...input, account }),
    reset: async () => await accountAdmin.reset()
  }
}
