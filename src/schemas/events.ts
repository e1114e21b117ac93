import { Type, type Static } from '@sinclair/typebox'
import { EVENT_TYPES } from '../domain/events.js'
import { OPERATIONS } from '../domain/coverage.js'
import { CloudflareIdSchema, DownloadTypeSchema } from './download.js'

/** An event type. */
export const EventTypeSchema = Type.Union(EVENT_TYPES.map((type) => Type.Literal(type)), { description: 'An event type' })

/** `GET /__mock/events`: which events a stream shows, and where it resumes. */
export const EventsQuerySchema = Type.Object({
  account: Type.Optional(CloudflareIdSchema),
  video: Type.Optional(CloudflareIdSchema),
  types: Type.Optional(Type.String({ maxLength: 200, pattern: '^[a-z.]+(,[a-z.]+)*$', description: `Comma-separated event types (${EVENT_TYPES.join(', ')}); default all but journal.entry, which is opt-in` })),
  lastEventId: Type.Optional(Type.Integer({ minimum: 0, description: 'Resume after this event id (the Last-Event-ID header wins)' }))
}, { additionalProperties: false })
export type EventsQuery = Static<typeof EventsQuerySchema>

/** `GET /__mock/wait`: the condition, and how long to wait for it. */
export const WaitQuerySchema = Type.Object({
  event: Type.Optional(EventTypeSchema),
  account: Type.Optional(CloudflareIdSchema),
  video: Type.Optional(CloudflareIdSchema),
  type: Type.Optional(DownloadTypeSchema),
  status: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9]+$', description: 'For downloads: inprogress, ready, error or deleted; for videos: their state; for webhook deliveries: the receiver\'s HTTP status (0: unreachable)' })),
  timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: 300_000, default: 30_000, description: 'Wall ms to wait at most (default 30 s, at most 5 min)' }))
}, { additionalProperties: false })
export type WaitQuery = Static<typeof WaitQuerySchema>

/** The answer of a wait: the event that met the condition, or the state that met it already. */
export const WaitResultSchema = Type.Object({
  already: Type.Boolean({ description: 'true: the condition held when the wait began (`state`); false: an event met it (`event`)' }),
  waitedMs: Type.Integer({ description: 'Wall ms waited' }),
  event: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'The event, as the event stream sends it' })),
  state: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'What held (a download: account, video, type, status, percentComplete, mockMs)' }))
})
export type WaitResult = Static<typeof WaitResultSchema>

const CountsSchema = Type.Record(Type.String(), Type.Integer())
const StatusCountsSchema = Type.Object({ inprogress: Type.Integer(), ready: Type.Integer(), error: Type.Integer() })
const OperationSchema = Type.Union(OPERATIONS.map((operation) => Type.Literal(operation)))

/** One account's coverage. */
export const AccountCoverageSchema = Type.Object({
  account: CloudflareIdSchema,
  requests: Type.Integer(),
  operations: Type.Object(Object.fromEntries(OPERATIONS.map((operation) => [operation, Type.Integer()]))),
  neverCalled: Type.Array(OperationSchema),
  statuses: CountsSchema,
  errorCodes: CountsSchema,
  statesSeen: Type.Object({ default: StatusCountsSchema, audio: StatusCountsSchema }),
  faults: Type.Object({ taken: Type.Integer(), dropped: Type.Integer(), byRule: CountsSchema, preferForced: Type.Integer() }),
  retryAfter: Type.Object({ asked: Type.Integer(), honoured: Type.Integer(), notHonoured: Type.Integer(), pending: Type.Integer() }),
  pollsAfterReady: Type.Integer(),
  pollsAfterError: Type.Integer()
})

/** The coverage report. */
export const CoverageReportSchema = Type.Object({
  operations: Type.Array(OperationSchema),
  accounts: Type.Array(AccountCoverageSchema),
  untracked: Type.Integer({ description: 'Requests of a malformed account, or past the accounts counted' })
})
export type CoverageReportData = Static<typeof CoverageReportSchema>

export const CoverageClearedSchema = Type.Object({ cleared: Type.Integer({ description: 'Accounts whose counters were cleared' }) })
