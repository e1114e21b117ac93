/**
 * The pure part of the test-runner helpers: which account and video ids a worker owns, and how
 * the one mock of a run is described to its workers (vitest's provide/inject, jest's
 * environment). No I/O, no runner imports: the runner glue beside it reads the worker id and
 * hands it here.
 */

/** The first 8 hex digits of a worker's account id ("test acc0"). */
export const ACCOUNT_PREFIX = '7e57acc0'
/** The first 8 hex digits of a worker's video ids ("test vide0"). */
export const VIDEO_PREFIX = '7e571de0'
/** The largest worker id and video index: 12 decimal digits each fit in a 32-hex id. */
export const MAX_WORKER = 999_999_999_999

/** The key of the mock's connection in vitest's provide/inject. */
export const PROVIDE_KEY = 'streamDownloadsMock'
/** The environment variables jest's globalSetup sets for its workers, which inherit them. */
export const ENV_URL = 'STREAM_DOWNLOADS_MOCK_URL'
export const ENV_ADMIN_TOKEN = 'STREAM_DOWNLOADS_MOCK_ADMIN_TOKEN'

/** What a worker needs to reach the run's mock: its base url and admin token (if one is set). */
export interface MockConnection {
  /** Base url of the mock, e.g. `http://127.0.0.1:41234`. */
  url: string
  /** The admin token (`X-Mock-Admin-Token`), when the mock was started with one. */
  adminToken?: string
}

/** A setup mistake (no globalSetup, no worker id): the message says what to configure. */
export class RunnerSetupError extends Error {
  override readonly name = 'RunnerSetupError'
}

/**
 * The worker's number from its runner's id (`VITEST_POOL_ID` or `JEST_WORKER_ID`, both 1-based
 * and reused by the next file a worker runs): a decimal integer from 1 to MAX_WORKER.
 */
export function workerNumber (id: string | undefined, variable: string): number {
  if (id === undefined || id === '') {
    throw new RunnerSetupError(`${variable} is not set: the mock's worker helpers run inside a test runner's worker`)
  }
  const worker = /^[0-9]{1,12}$/.test(id) ? Number(id) : 0
  if (worker < 1) throw new RunnerSetupError(`${variable} is ${JSON.stringify(id)}: expected an integer from 1 to ${MAX_WORKER}`)
  return worker
}

const digits = (value: number, width: number): string => String(value).padStart(width, '0')

/** The account id of a worker: `7e57acc0` and the worker number in 24 digits. */
export function workerAccount (worker: number): string {
  return `${ACCOUNT_PREFIX}${digits(worker, 24)}`
}

/**
 * The video id `index` of a worker (video ids are unique across accounts, so workers must not
 * share them): `7e571de0`, the worker number in 12 digits, the index in 12.
 */
export function workerVideo (worker: number, index = 0): string {
  if (!Number.isInteger(index) || index < 0 || index > MAX_WORKER) {
    throw new RangeError(`video index ${index}: expected an integer from 0 to ${MAX_WORKER}`)
  }
  return `${VIDEO_PREFIX}${digits(worker, 12)}${digits(index, 12)}`
}

/** The environment variables that carry a connection to jest's workers. */
export function connectionEnvironment (connection: MockConnection): Record<string, string> {
  return connection.adminToken === undefined
    ? { [ENV_URL]: connection.url }
    : { [ENV_URL]: connection.url, [ENV_ADMIN_TOKEN]: connection.adminToken }
}

/** The connection jest's globalSetup left in the environment. */
export function connectionFromEnvironment (env: Record<string, string | undefined>): MockConnection {
  const url = env[ENV_URL]
  if (url === undefined || url === '') {
    throw new RunnerSetupError(`${ENV_URL} is not set: add globalSetup: 'stream-downloads-mock/jest/global-setup' and globalTeardown: 'stream-downloads-mock/jest/global-teardown' to the jest config`)
  }
  const adminToken = env[ENV_ADMIN_TOKEN]
  return adminToken === undefined || adminToken === '' ? { url } : { url, adminToken }
}

/** The connection vitest's inject handed out, checked: undefined when the globalSetup is missing. */
export function providedConnection (value: unknown): MockConnection {
  const record = typeof value === 'object' && value !== null ? value as Record<string, unknown> : {}
  if (typeof record.url !== 'string') {
    throw new RunnerSetupError(`inject('${PROVIDE_KEY}') gave nothing: add globalSetup: ['stream-downloads-mock/vitest/global-setup'] to the vitest config`)
  }
  return typeof record.adminToken === 'string' ? { url: record.url, adminToken: record.adminToken } : { url: record.url }
}
