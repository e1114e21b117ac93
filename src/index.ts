import type { FastifyInstance } from 'fastify'
import { AdminClient, type AdvanceResult, type ClockView } from './admin-client.js'
import { ADMIN_PREFIX } from './routes/admin/index.js'
import { startApp, type StartOptions } from './start.js'

export { buildApp, type BuildOptions } from './app.js'
export type { StartOptions } from './start.js'
export { loadConfig, ConfigError, type Config } from './config.js'
export { FixtureError } from './seed/fixture-error.js'
export { DataFileError } from './store/download-store.js'
export type { FixtureDocument, VideoFixture, DownloadFixture, ProgressionSettings, VideoProgressionSettings } from './schemas/fixture.js'
export type { Video, DirectUploadResult } from './schemas/video.js'
export type { Download, DownloadsResult } from './schemas/download.js'
export { AdminClient, AdminApiError } from './admin-client.js'
export type {
  AdminClientOptions, AccountAdminClient, AccountSettings, AccountView, AdminErrorMessage, AdvanceResult, ClockView, DownloadPatch, DownloadType,
  DownloadView, FaultMatch, FaultRule, FaultRuleInput, FixturesLoaded, JournalEntry, JournalList, JournalQuery,
  OpenApiDocument, PollingReport, ProgressionDefaults, ResetResult, VideoInput, VideoView, WaitCondition, WaitResult, CoverageReport, VideoLifeChange, VideoPage
} from './admin-client.js'
export type { MockEvent, MockEventInput, EventType } from './domain/events.js'

/** Which clock a clock method of the handle works on. */
export interface ClockTarget {
  /**
   * An account id (32 hex digits): the account's own clock, made if it has none yet (the account
   * then stops following the global clock, until a reset of the account). Without it: the global
   * clock, which every account without a clock of its own follows.
   */
  account?: string
}

/**
 * The mock's clocks, driven in process. Each method is the admin API's clock route of the same
 * name, answered by the app itself (`app.inject`: no socket, no global fetch), so it validates,
 * answers and fails exactly as `admin.advance` and the others do: an `AdminApiError` (status 400
 * naming the field) for an out-of-range value or a malformed account. They need the admin API
 * (`admin: 'on'`, the default), as `admin` does: with it off, each fails with an AdminApiError
 * 404 saying so.
 */
export interface MockClockControl {
  /**
   * Moves the clock on by `ms` (an integer from 0 to a year) at once, frozen or not: the ticks
   * that would have happened are applied. Answers as `POST /__mock/clock/advance`: the clock's
   * view after the step, how many downloads changed state (`transitions`), and the videos
   * (the account's, with an account; all of them when there are at most 500).
   */
  advance: (ms: number, target?: ClockTarget) => Promise<AdvanceResult>
  /** Freezes the clock: the ticker no longer moves it, `advance` still does. Answers the clock's view. */
  freeze: (target?: ClockTarget) => Promise<ClockView>
  /** Lets the clock run with the ticker again. Answers the clock's view. */
  resume: (target?: ClockTarget) => Promise<ClockView>
  /** Sets the clock's rate: mock ms per real ms (0 to 1000; 10 runs ten times faster). Answers the clock's view. */
  setRate: (rate: number, target?: ClockTarget) => Promise<ClockView>
}

/** A running mock server, as `startMock` hands it out. */
export interface RunningMock {
  /** Base url of the server, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** The Cloudflare API's base url, `${url}/client/v4` (the SDKs' `baseURL`). */
  readonly apiUrl: string
  /** A client of the admin API at `${url}/__mock`, with the configured admin token. */
  readonly admin: AdminClient
  /** The global clock and the accounts' own clocks (see MockClockControl). */
  readonly clock: MockClockControl
  /**
   * Stops the ticker, finishes requests in flight (for at most `closeTimeoutMs`, default 5 s;
   * then their connections are ended), flushes the store, closes the port.
   */
  close: () => Promise<void>
}

/**
 * A fetch answered by the app in process, for the admin client of the handle's clock: the
 * client sends a string url and `{ method, headers, body }` with a JSON body or none, and reads
 * the status and the text of the answer (the clock routes always answer a JSON envelope).
 */
function injecting (app: FastifyInstance): typeof fetch {
  const answer = async (url: string, init: { method: 'GET' | 'POST' | 'PUT', headers: Record<string, string>, body?: string }): Promise<Response> => {
    const { pathname, search } = new URL(url)
    const injected = await app.inject({ method: init.method, url: `${pathname}${search}`, headers: init.headers, payload: init.body })
    return new Response(injected.body, { status: injected.statusCode })
  }
  return answer as unknown as typeof fetch
}

/** The fetch of the handle's clock when the admin API is off: every call fails, saying why. */
const adminOff = (async () => new Response(JSON.stringify({
  success: false,
  errors: [{ code: 0, message: 'the admin API is off (admin: off, MOCK_ADMIN=off): the handle\'s clock drives its clock routes' }]
}), { status: 404 })) as unknown as typeof fetch

/** Builds and starts the mock server in this process, as json-server and msw allow. */
export async function startMock (options: StartOptions = {}): Promise<RunningMock> {
  const { app, url, close } = await startApp(options)
  const token = app.mock.config.adminToken
  const admin = new AdminClient(`${url}${ADMIN_PREFIX}`, { token })
  const inProcess = new AdminClient(`${url}${ADMIN_PREFIX}`, { token, fetch: app.mock.config.admin === 'on' ? injecting(app) : adminOff })
  const clock: MockClockControl = {
    advance: async (ms, { account } = {}) => await inProcess.advance(ms, account),
    freeze: async ({ account } = {}) => await inProcess.freeze(account),
    resume: async ({ account } = {}) => await inProcess.resume(account),
    setRate: async (rate, { account } = {}) => await inProcess.setRate(rate, account)
  }
  return { url, apiUrl: `${url}/client/v4`, admin, clock, close }
}
