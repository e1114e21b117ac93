import { Type, type Static } from '@sinclair/typebox'
import { ID_PATTERN } from '../domain/ids.js'
import { CloudflareIdSchema, DownloadStatusSchema, PercentSchema } from './download.js'
import { ProgressionModelSchema, ProgressionSettingsSchema } from './fixture.js'
import { SigningDataSchema } from './signing.js'

/** A stored download: state at an anchor time and its progression (see domain/progress.ts). */
export const DownloadRecordSchema = Type.Object({
  status: DownloadStatusSchema,
  percent: PercentSchema,
  since: Type.Number(),
  model: ProgressionModelSchema,
  speed: Type.Number({ minimum: 0 }),
  step: Type.Number({ minimum: 0 }),
  failAt: Type.Optional(PercentSchema),
  holdAt: Type.Optional(PercentSchema),
  /** True once a client was shown it in `error`: the next create starts it over. */
  errorShown: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

/** A stored video, keyed by its id in the store. */
export const VideoRecordSchema = Type.Object({
  account: CloudflareIdSchema,
  downloads: Type.Object({
    default: Type.Optional(DownloadRecordSchema),
    audio: Type.Optional(DownloadRecordSchema)
  }, { additionalProperties: false }),
  onCreate: Type.Object({
    default: Type.Optional(ProgressionSettingsSchema),
    audio: Type.Optional(ProgressionSettingsSchema)
  }, { additionalProperties: false }),
  /** Its media urls need a signed token in place of the id (Cloudflare's `requireSignedURLs`). */
  requireSignedURLs: Type.Optional(Type.Boolean())
}, { additionalProperties: false })
export type VideoRecord = Static<typeof VideoRecordSchema>

/** The data file's format now; files of the older formats still open (see checkStoredData in store/stored-data.ts). */
export const DATA_FORMAT = 'stream-downloads-mock/data@3'

/** The second format: no signing keys, webhook subscriptions or `requireSignedURLs`. */
export const DATA_FORMAT_2 = 'stream-downloads-mock/data@2'

/** The first format: no epoch, no change log. */
export const DATA_FORMAT_1 = 'stream-downloads-mock/data@1'

/** A clock as stored: mock time, and (optional in files, filled in on load) frozen and rate. */
export const StoredClockSchema = Type.Object({
  nowMs: Type.Number({ minimum: 0 }),
  frozen: Type.Optional(Type.Boolean()),
  rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 }))
}, { additionalProperties: false })

/** The whole state, as MOCK_DATA_FILE's snapshot stores it. */
export const StoreDataSchema = Type.Object({
  format: Type.Union([Type.Literal(DATA_FORMAT), Type.Literal(DATA_FORMAT_2), Type.Literal(DATA_FORMAT_1)]),
  /** Wall time (ms since 1970) of mock time 0: dates are this plus a clock's mock ms. */
  epochMs: Type.Optional(Type.Number({ minimum: 0 })),
  /** The change log that goes on from this snapshot: `<file>.<log>.log` and any later one. */
  log: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Book time (see ClockBook.elapsedMs) at which the clocks below were read. */
  elapsedMs: Type.Optional(Type.Number({ minimum: 0 })),
  clock: StoredClockSchema,
  /** Accounts with a clock of their own (frozen or stepped apart from the global clock). */
  accountClocks: Type.Optional(Type.Record(Type.String({ pattern: ID_PATTERN }), StoredClockSchema, { additionalProperties: false })),
  /** The global default progression set over the admin API (unset fields: the configured ones). */
  defaults: Type.Optional(ProgressionSettingsSchema),
  /** Signing keys, webhook subscriptions and the mock's token key (data@3). */
  signing: Type.Optional(SigningDataSchema),
  videos: Type.Record(Type.String({ pattern: ID_PATTERN }), VideoRecordSchema, { additionalProperties: false })
}, { additionalProperties: false })
export type StoreData = Static<typeof StoreDataSchema>

/**
 * The snapshot with its videos left unchecked (an object): the head is checked in one go, and the
 * videos one at a time as the store takes them in (see store/stored-data.ts).
 */
export const StoreDataHeadSchema = Type.Composite([
  Type.Omit(StoreDataSchema, ['videos']),
  Type.Object({ videos: Type.Object({}) })
], { additionalProperties: false })

/** The snapshot without its videos: format, epoch, clocks, defaults, signing. */
export type StoreHead = Omit<StoreData, 'videos'>

/** A snapshot as the data file's lowdb adapter reads and writes it: the head, and the videos listed. */
export interface Snapshot {
  head: StoreHead
  /** Read: listed once, as the store opens; written: a copy taken in one step. */
  videos: Iterable<readonly [string, VideoRecord]>
}
