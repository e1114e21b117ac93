/**
 * A typed client of the admin API under /__mock, for tests that drive the mock in-process or
 * over the network: every method is one admin route, its result the envelope's `result`.
 */
import type { Static } from '@sinclair/typebox'
import type {
  AccountView, AdvanceResult, ClockView, DownloadPatchSchema, DownloadViewSchema, FixturesLoaded, ProgressionDefaults, ResetResult, VideoInputSchema,
  VideoLifeChangeSchema, VideoView
} from './schemas/admin.js'
import type { DownloadTypeSchema } from './schemas/download.js'
import type { EnvelopeMessageSchema } from './schemas/envelope.js'
import type { FaultMatch, FaultRule, FaultRuleInput } from './schemas/fault.js'
import type { AccountSettings, DownloadFixture, FixtureDocument, ProgressionSettings, VideoFixture } from './schemas/fixture.js'
import type { JournalEntryData, JournalListSchema, JournalQuery, PollingReportData } from './schemas/journal.js'
import type { CoverageReportData, WaitQuery, WaitResult } from './schemas/events.js'

export type { AccountSettings, AccountView, AdvanceResult, ClockView, FixturesLoaded, ProgressionDefaults, ResetResult, VideoView, FaultMatch, FaultRule, FaultRuleInput, JournalQuery }

/** `default` (MP4) or `audio` (M4A). */
export type DownloadType = Static<typeof DownloadTypeSchema>
/** A download as the admin API shows it: its Cloudflare state and its progression settings. */
export type DownloadView = Static<typeof DownloadViewSchema>
/** A whole video for `putVideo`: a fixture entry without its id. */
export type VideoInput = Static<typeof VideoInputSchema>
/** Changes to a download; `failAt: null` / `holdAt: null` remove those points. */
export type DownloadPatch = Static<typeof DownloadPatchSchema>
/** A change of a video's lifecycle: its state (and percent), its progression, whether to drop its downloads. */
export type VideoLifeChange = Static<typeof VideoLifeChangeSchema>
/** One journal entry: a request the Cloudflare surface answered or dropped. */
export type JournalEntry = JournalEntryData
/** The journal's entries, with how many it holds and keeps at most. */
export type JournalList = Static<typeof JournalListSchema>
/** How a client polled one video. */
export type PollingReport = PollingReportData
/** What `waitFor` waits for: an event (default `download.transition`) of the account, video, type, status given. */
export type WaitCondition = Omit<WaitQuery, 'timeout'> & {
  /** Wall ms to wait at most (default 30 s, at most 5 min); then an AdminApiError 408, code 10408. */
  timeoutMs?: number
}
export type { WaitResult }
/** What each account's clients were shown. */
export type CoverageReport = CoverageReportData

/** A page of `GET /__mock/videos`: its videos and how many there are in all. */
export interface VideoPage {
  videos: VideoView[]
  total: number
}
/** One error of a failure envelope. */
export type AdminErrorMessage = Static<typeof EnvelopeMessageSchema>

/** The admin API's OpenAPI 3 description. */
export interface OpenApiDocument {
  openapi: string
  info: { title: string, version: string, description?: string }
  paths: Record<string, unknown>
  [key: string]: unknown
}

export interface AdminClientOptions {
  /** Sent as `X-Mock-Admin-Token` (the server's MOCK_ADMIN_TOKEN). */
  token?: string
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch
}

/**
 * An admin request answered with a failure envelope; an answer that is no envelope at all gets
 * one error of code 0 saying so.
 */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError'

  /** Wraps the HTTP status and the envelope's errors; the message joins the errors' messages. */
  constructor (readonly status: number, readonly errors: AdminErrorMessage[]) {
    super(errors.map((error) => error.message).join('; '))
  }
}

/** The admin operations of one account, for parallel test workers that each own an account. */
export interface AccountAdminClient {
  /** The account id every call is scoped to. */
  readonly account: string
  /** Resets the account's videos, clock, fault rules and journal entries. */
  reset: () => Promise<ResetResult>
  /** The clock the account follows. */
  clock: () => Promise<ClockView>
  /** Moves the account's clock on by `ms`. */
  advance: (ms: number) => Promise<AdvanceResult>
  /** Freezes the account's clock (giving it a clock of its own). */
  freeze: () => Promise<ClockView>
  /** Resumes the account's clock. */
  resume: () => Promise<ClockView>
  /** Sets the account's clock rate (mock ms per real ms). */
  setRate: (rate: number) => Promise<ClockView>
  /** The fault rules scoped to the account (`match.account`). */
  faults: () => Promise<FaultRule[]>
  /** Deletes the fault rules scoped to the account; answers how many. */
  clearFaults: () => Promise<number>
  /** The account's journal entries, filtered by video and limit. */
  journal: (filter?: Omit<JournalQuery, 'account'>) => Promise<JournalList>
  /** Clears the account's journal entries; answers how many. */
  clearJournal: () => Promise<number>
  /** The account's videos. */
  videos: () => Promise<VideoView[]>
  /** Waits until the condition holds for the account (see AdminClient.waitFor). */
  waitFor: (condition: Omit<WaitCondition, 'account'>) => Promise<WaitResult>
  /** The account's coverage report. */
  coverage: () => Promise<CoverageReport>
}

type Query = Record<string, string | number | undefined>

interface RequestOptions {
  body?: object
  query?: Query
  /** The answer is a plain JSON document, not an envelope. */
  plain?: boolean
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Parses JSON, or gives undefined for text that is not JSON. */
function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The client of the admin API at `baseUrl` (e.g. `http://127.0.0.1:8787/__mock`). */
export class AdminClient {
  /** The admin API base url, without a trailing slash. */
  readonly baseUrl: string
  readonly #token: string | undefined
  readonly #fetch: typeof fetch

  /** A client of the admin API at `baseUrl`, optionally with the admin token and a fetch of its own. */
  constructor (baseUrl: string, options: AdminClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.#token = options.token
    this.#fetch = options.fetch ?? globalThis.fetch
  }

  /** Sends one admin request and unwraps its envelope; throws AdminApiError on a failure. */
  async #request<T> (method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const params = new URLSearchParams()
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) params.set(name, String(value))
    }
    const search = params.toString() === '' ? '' : `?${params.toString()}`
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.#token !== undefined) headers['x-mock-admin-token'] = this.#token
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const response = await this.#fetch(`${this.baseUrl}${path}${search}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
    })
    const answer = parseJson(await response.text())
    if (isObject(answer) && answer.success === false && Array.isArray(answer.errors)) {
      throw new AdminApiError(response.status, answer.errors as AdminErrorMessage[])
    }
    if (response.ok && isObject(answer)) {
      if (options.plain === true) return answer as T
      if (answer.success === true && 'result' in answer) return answer.result as T
    }
    throw new AdminApiError(response.status, [{ code: 0, message: `${method} ${path}: unexpected answer (HTTP ${response.status}), not an admin envelope` }])
  }

  /** `/videos/{id}` with the id escaped. */
  #videoPath (video: string): string {
    return `/videos/${encodeURIComponent(video)}`
  }

  /** Resets everything to the fixtures, or only `account` (its videos, clock, faults and journal). */
  async reset (account?: string): Promise<ResetResult> {
    return await this.#request('POST', '/reset', { body: { account } })
  }

  /** Loads a fixture document: its videos are created or replace those with the same id. */
  async loadFixtures (document: FixtureDocument): Promise<FixturesLoaded> {
    return await this.#request('POST', '/fixtures', { body: document })
  }

  /** The global default progression of created downloads. */
  async defaults (): Promise<ProgressionDefaults> {
    return await this.#request('GET', '/defaults')
  }

  /** Sets the global default progression; fields not given take the configured defaults. */
  async setDefaults (settings: ProgressionSettings): Promise<ProgressionDefaults> {
    return await this.#request('PUT', '/defaults', { body: settings })
  }

  /** The declared accounts, with their settings and how many videos each holds. */
  async accounts (): Promise<AccountView[]> {
    return (await this.#request<{ accounts: AccountView[] }>('GET', '/accounts')).accounts
  }

  /** One account (declared, or holding videos); AdminApiError 404 for any other. */
  async account (id: string): Promise<AccountView> {
    return await this.#request('GET', `/accounts/${encodeURIComponent(id)}`)
  }

  /** Declares an account (it exists with no videos), or replaces its settings for the videos its clients create later. */
  async putAccount (id: string, settings: AccountSettings = {}): Promise<AccountView> {
    return await this.#request('PUT', `/accounts/${encodeURIComponent(id)}`, { body: settings })
  }

  /** Removes an account's declaration; AdminApiError 404 when not declared, 409 while it holds videos. */
  async deleteAccount (id: string): Promise<void> {
    await this.#request('DELETE', `/accounts/${encodeURIComponent(id)}`)
  }

  /** Every video, or those of `account`. */
  async videos (account?: string): Promise<VideoView[]> {
    return (await this.#request<{ videos: VideoView[] }>('GET', '/videos', { query: { account } })).videos
  }

  /** A page of the videos (of `account`, when given): `offset` skipped, at most `limit` (1-1,000), and `total`, how many there are in all. */
  async videoPage (page: { account?: string, offset?: number, limit?: number }): Promise<VideoPage> {
    return await this.#request('GET', '/videos', { query: { ...page } })
  }

  /** One video; AdminApiError 404 when it does not exist. */
  async video (id: string): Promise<VideoView> {
    return await this.#request('GET', this.#videoPath(id))
  }

  /** Creates a video from a fixture entry; AdminApiError 409 when the id exists. */
  async createVideo (fixture: VideoFixture): Promise<VideoView> {
    return await this.#request('POST', '/videos', { body: fixture })
  }

  /** Creates or replaces the video `id`; its downloads start again from the given state. */
  async putVideo (id: string, input: VideoInput): Promise<VideoView> {
    return await this.#request('PUT', this.#videoPath(id), { body: input })
  }

  /** Deletes a video; AdminApiError 404 when it does not exist. */
  async deleteVideo (id: string): Promise<void> {
    await this.#request('DELETE', this.#videoPath(id))
  }

  /** Creates or replaces one download of a video: its state and progression, from now on. */
  async setDownload (video: string, type: DownloadType, fixture: DownloadFixture): Promise<VideoView> {
    return await this.#request('PUT', `${this.#videoPath(video)}/downloads/${type}`, { body: fixture })
  }

  /** Changes only the given fields of a download (e.g. `{ holdAt: null }` releases a hold). */
  async patchDownload (video: string, type: DownloadType, patch: DownloadPatch): Promise<VideoView> {
    return await this.#request('PATCH', `${this.#videoPath(video)}/downloads/${type}`, { body: patch })
  }

  /**
   * Puts a video into any state and changes its progression, from now on (e.g.
   * `{ state: 'inprogress', pctComplete: 40 }`); AdminApiError 409 when that takes a ready video
   * with downloads out of ready, unless `dropDownloads: true`.
   */
  async setVideoLifecycle (video: string, change: VideoLifeChange): Promise<VideoView> {
    return await this.#request('PATCH', `${this.#videoPath(video)}/lifecycle`, { body: change })
  }

  /** Deletes one download of a video; AdminApiError 404 when it has none of that type. */
  async deleteDownload (video: string, type: DownloadType): Promise<VideoView> {
    return await this.#request('DELETE', `${this.#videoPath(video)}/downloads/${type}`)
  }

  /** Sets the progression a download of this type gets when a client creates it. */
  async setOnCreate (video: string, type: DownloadType, settings: ProgressionSettings): Promise<VideoView> {
    return await this.#request('PUT', `${this.#videoPath(video)}/on-create/${type}`, { body: settings })
  }

  /** Forgets the on-create progression of a type: created downloads take the global default. */
  async clearOnCreate (video: string, type: DownloadType): Promise<VideoView> {
    return await this.#request('DELETE', `${this.#videoPath(video)}/on-create/${type}`)
  }

  /** The global clock, or the clock `account` follows. */
  async clock (account?: string): Promise<ClockView> {
    return await this.#request('GET', '/clock', { query: { account } })
  }

  /** Moves mock time on by `ms` at once (frozen or not), globally or for `account`. */
  async advance (ms: number, account?: string): Promise<AdvanceResult> {
    return await this.#request('POST', '/clock/advance', { body: { ms, account } })
  }

  /** Freezes the global clock, or `account`'s (which then gets a clock of its own). */
  async freeze (account?: string): Promise<ClockView> {
    return await this.#request('POST', '/clock/freeze', { body: { account } })
  }

  /** Resumes the global clock, or `account`'s. */
  async resume (account?: string): Promise<ClockView> {
    return await this.#request('POST', '/clock/resume', { body: { account } })
  }

  /** Sets a clock's rate: mock ms per real ms (10 runs ten times faster, 0 stands still). */
  async setRate (rate: number, account?: string): Promise<ClockView> {
    return await this.#request('PUT', '/clock/rate', { body: { rate, account } })
  }

  /** The fault rules in the order they are tried, or only those scoped to `account` (`match.account`). */
  async faults (account?: string): Promise<FaultRule[]> {
    return (await this.#request<{ rules: FaultRule[] }>('GET', '/faults', { query: { account } })).rules
  }

  /** Adds a fault rule (it needs one of `status`, `latencyMs`, `drop: true`); answers the rule. */
  async addFault (input: FaultRuleInput): Promise<FaultRule> {
    return await this.#request('POST', '/faults', { body: input })
  }

  /** Deletes every fault rule, or only those scoped to `account`; answers how many. */
  async clearFaults (account?: string): Promise<number> {
    return (await this.#request<{ cleared: number }>('DELETE', '/faults', { query: { account } })).cleared
  }

  /** Deletes one fault rule by id; AdminApiError 404 when there is none. */
  async deleteFault (id: string): Promise<void> {
    await this.#request('DELETE', `/faults/${encodeURIComponent(id)}`)
  }

  /**
   * The request journal, oldest first, filtered by account and video. With `limit` or `after`,
   * one page as the admin API answers it; without either, every matching entry, the pages
   * followed (`next` is then null).
   */
  async journal (filter: JournalQuery = {}): Promise<JournalList> {
    if (filter.limit !== undefined || filter.after !== undefined) return await this.#request('GET', '/journal', { query: { ...filter } })
    let page = await this.#request<JournalList>('GET', '/journal', { query: { ...filter, after: 0 } })
    const entries = [...page.entries]
    while (page.next !== null) {
      page = await this.#request<JournalList>('GET', '/journal', { query: { ...filter, after: page.next } })
      entries.push(...page.entries)
    }
    return { ...page, entries }
  }

  /** Clears the journal, or only `account`'s entries; answers how many were removed. */
  async clearJournal (account?: string): Promise<number> {
    return (await this.#request<{ cleared: number }>('DELETE', '/journal', { query: { account } })).cleared
  }

  /** How a client polled `video`: cadence, polls after ready, and Retry-After honoured. */
  async pollingReport (video: string): Promise<PollingReport> {
    return await this.#request('GET', `/polling/${encodeURIComponent(video)}`)
  }

  /**
   * Waits until the condition holds: at once when it does already (a download in `status`),
   * else when the event that meets it comes, whatever causes it (start the wait, then step a
   * frozen clock: the wait resolves with the transition the step caused). Rejects with an
   * AdminApiError 408 (code 10408) after `timeoutMs`.
   */
  async waitFor (condition: WaitCondition): Promise<WaitResult> {
    const { timeoutMs, ...query } = condition
    return await this.#request('GET', '/wait', { query: { ...query, timeout: timeoutMs } })
  }

  /** The coverage report: every account's counters, or only `account`'s. */
  async coverage (account?: string): Promise<CoverageReport> {
    return await this.#request('GET', '/coverage', { query: { account } })
  }

  /** Clears the coverage counters, of every account or only `account`'s; answers how many accounts. */
  async clearCoverage (account?: string): Promise<number> {
    return (await this.#request<{ cleared: number }>('DELETE', '/coverage', { query: { account } })).cleared
  }

  /** The admin API's OpenAPI description (a plain document, not an envelope). */
  async openapi (): Promise<OpenApiDocument> {
    return await this.#request('GET', '/openapi.json', { plain: true })
  }

  /** The operations of one account, none taking an account argument: one per parallel test worker. */
  forAccount (account: string): AccountAdminClient {
    return {
      account,
      reset: async () => await this.reset(account),
      clock: async () => await this.clock(account),
      advance: async (ms) => await this.advance(ms, account),
      freeze: async () => await this.freeze(account),
      resume: async () => await this.resume(account),
      setRate: async (rate) => await this.setRate(rate, account),
      faults: async () => await this.faults(account),
      clearFaults: async () => await this.clearFaults(account),
      journal: async (filter = {}) => await this.journal({ ...filter, account }),
      clearJournal: async () => await this.clearJournal(account),
      videos: async () => await this.videos(account),
      waitFor: async (condition) => await this.waitFor({ ...condition, account }),
      coverage: async () => await this.coverage(account)
    }
  }
}
