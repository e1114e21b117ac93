import { Type, type Static } from '@sinclair/typebox'
import type { JournalEntry } from '../domain/journal.js'
import type { PollingReport } from '../domain/polling-report.js'
import { CloudflareIdSchema, DownloadStatusSchema, DownloadTypeSchema } from './download.js'

/** One journal entry, as the admin API shows it. */
export const JournalEntrySchema = Type.Object({
  seq: Type.Integer({ minimum: 1, description: 'Increases from 1; never reused, even after a clear' }),
  at: Type.String({ format: 'date-time', description: 'Wall time of the answer' }),
  wallMs: Type.Number({ description: 'Wall time of the answer, ms since the epoch' }),
  mockMs: Type.Number({ description: 'Mock time of the answer, ms (the account\'s clock)' }),
  method: Type.String(),
  path: Type.String({ description: 'The request path, query included' }),
  status: Type.Integer({ minimum: 0, description: 'The status answered; 0 when the connection was dropped' }),
  // Plain strings: a request with a malformed id is journaled too.
  account: Type.Optional(Type.String()),
  video: Type.Optional(Type.String()),
  type: Type.Optional(DownloadTypeSchema),
  credentials: Type.String({ description: 'Redacted: "Bearer …abcd", "Bearer ****", "X-Auth-Email <email> + X-Auth-Key ****", "Authorization ****" (not Bearer) or "none"' }),
  forced: Type.Optional(Type.Union([Type.Literal('prefer'), Type.Literal('fault')], { description: 'The answer was forced by a Prefer header or a fault rule' })),
  preferIgnored: Type.Optional(Type.Integer({ minimum: 400, maximum: 599, description: 'The status a Prefer header asked for, ignored: MOCK_ADMIN_TOKEN is set and the request did not carry it' })),
  faultId: Type.Optional(Type.String({ description: 'The fault rule that answered' })),
  dropped: Type.Optional(Type.Boolean({ description: 'A fault rule dropped the connection' })),
  downloads: Type.Optional(Type.Object({
    default: Type.Optional(DownloadStatusSchema),
    audio: Type.Optional(DownloadStatusSchema)
  }, { description: 'The download statuses a successful GET showed' })),
  retryAfterMs: Type.Optional(Type.Number({ minimum: 0, description: 'The wait the answer asked for (Retry-After or retry-after-ms)' })),
  webhook: Type.Optional(Type.Object({
    delivery: Type.Integer({ minimum: 1 }),
    attempt: Type.Integer({ minimum: 1 }),
    durationMs: Type.Number({ minimum: 0 }),
    error: Type.Optional(Type.String())
  }, { description: 'A webhook delivery\'s try, not a request: path is the url, status the receiver\'s (0: no answer)' }))
})
export type JournalEntryData = Static<typeof JournalEntrySchema>

/** The filter of `GET /journal`. */
export const JournalQuerySchema = Type.Object({
  account: Type.Optional(CloudflareIdSchema),
  video: Type.Optional(CloudflareIdSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Only the last N matching entries (default and at most 1000); with `after`, the first N after it' })),
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'A page\'s cursor: only entries with a greater `seq` (the `next` of the page before; 0 for the first)' }))
}, { additionalProperties: false })
export type JournalQuery = Static<typeof JournalQuerySchema>

/** One answer that asked the client to wait. */
export const RetryAfterCheckSchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  status: Type.Integer({ minimum: 0 }),
  askedMs: Type.Number({ minimum: 0 }),
  waitedMs: Type.Union([Type.Number(), Type.Null()], { description: 'Wall ms until the next request on the video; null while there is none' }),
  honoured: Type.Union([Type.Boolean(), Type.Null()], { description: 'waitedMs >= askedMs; null while there is no next request' })
})

const firstAtPoll = (state: string) => Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: `1-based index of the first poll that showed ${state}; null while none has` })
const pollsAfter = (state: string) => Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: `Polls after that one that showed ${state} again; null while none has` })

/** When polls first showed a settled state, and how many showed it again after. */
export const SettledPollsSchema = Type.Object({
  firstReadyAtPoll: firstAtPoll('ready'),
  pollsAfterReady: pollsAfter('ready'),
  firstErrorAtPoll: firstAtPoll('error'),
  pollsAfterError: pollsAfter('error')
})

/** How a client polled one video. */
export const PollingReportSchema = Type.Object({
  video: CloudflareIdSchema,
  polls: Type.Integer({ minimum: 0, description: '2xx GETs and POSTs that showed the video\'s downloads (HEAD is not a read)' }),
  pollsByMethod: Type.Object({ GET: Type.Integer({ minimum: 0 }), POST: Type.Integer({ minimum: 0 }) }, { description: 'Those polls by method' }),
  intervalsMs: Type.Array(Type.Number(), { description: 'Wall ms between consecutive polls' }),
  minIntervalMs: Type.Union([Type.Number(), Type.Null()], { description: 'Null with fewer than 2 polls' }),
  meanIntervalMs: Type.Union([Type.Number(), Type.Null()], { description: 'Null with fewer than 2 polls' }),
  firstReadyAtPoll: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: '1-based index of the first poll that showed every download ready' }),
  pollsAfterReady: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Polls after that one that showed every download ready again; null when it never came' }),
  firstErrorAtPoll: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: '1-based index of the first poll that showed every download finished, one at least in error' }),
  pollsAfterError: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Polls after that one that showed the same again; null when it never came' }),
  downloads: Type.Object({
    default: Type.Optional(SettledPollsSchema),
    audio: Type.Optional(SettledPollsSchema)
  }, { description: 'The same, for each download type the polls showed' }),
  retryAfter: Type.Array(RetryAfterCheckSchema),
  honouredRetryAfter: Type.Union([Type.Boolean(), Type.Null()], { description: 'Null when no wait was asked or none has been followed by a request yet; true when every followed one was honoured' })
})
export type PollingReportData = Static<typeof PollingReportSchema>

/** The result of `GET /journal`. */
export const JournalListSchema = Type.Object({
  entries: Type.Array(JournalEntrySchema),
  size: Type.Integer({ minimum: 0, description: 'Entries held' }),
  limit: Type.Integer({ minimum: 1, description: 'Entries kept at most; the oldest drop first' }),
  next: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'With `after`: the cursor of the next page, null at the end; null without `after`' })
})

/** The result of `DELETE /journal`. */
export const JournalClearedSchema = Type.Object({
  cleared: Type.Integer({ minimum: 0, description: 'Entries removed' })
})

// Compile-time proof that the schemas and the domain types describe the same values: `tsc`
// fails here when one changes without the other.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
type Assert<T extends true> = T
export type SchemaMatchesDomain = [
  Assert<Same<JournalEntryData, JournalEntry>>,
  Assert<Same<PollingReportData, PollingReport>>
]
