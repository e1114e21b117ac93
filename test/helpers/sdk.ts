import Cloudflare, { APIError } from 'cloudflare'
import { startMock, type RunningMock, type StartOptions } from '../../src/index.js'

interface TapLike { teardown: (fn: () => unknown) => void }

/** Starts the mock on a free port, quiet, closed when the test ends. */
export async function startTestMock (t: TapLike, options: StartOptions = {}): Promise<RunningMock> {
  const mock = await startMock({ port: 0, logger: false, ...options })
  t.teardown(() => mock.close())
  return mock
}

type Credentials = { apiToken: string } | { apiEmail: string, apiKey: string }

/**
 * The official SDK pointed at the mock, with no retries. Credentials not given are set to null
 * explicitly, so CLOUDFLARE_* variables in the environment never add headers to the requests.
 */
export function sdkClient (mock: RunningMock, credentials: Credentials = { apiToken: 'test-token' }): Cloudflare {
  return new Cloudflare({
    apiToken: null,
    apiEmail: null,
    apiKey: null,
    userServiceKey: null,
    ...credentials,
    baseURL: `${mock.url}/client/v4`,
    maxRetries: 0
  })
}

export const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** Awaits a promise that must reject with an SDK APIError; returns the error. */
export async function apiErrorOf (promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof APIError) return error
    throw error
  }
  throw new Error('expected the SDK call to fail with an APIError, but it succeeded')
}

/** The codes of a failure's `errors` entries, from the SDK's parsed `errors` array. */
export function errorCodes (error: APIError): Array<number | undefined> {
  return error.errors.map((item) => item.code)
}
