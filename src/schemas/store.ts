import { Type, type Static } from '@sinclair/typebox'
import { ID_PATTERN } from '../domain/ids.js'
import { CloudflareIdSchema, DownloadStatusSchema, PercentSchema } from './download.js'
import { AccountSettingsSchema, ProgressionModelSchema, ProgressionSettingsSchema, VideoPointSchema, VideoStateSchema, ErrorReasonCodeSchema, VideoMetaSchema, CreatorSchema } from './fixture.js'
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

/** A stored video's lifecycle: its state at an anchor and its progression (see domain/video-progress.ts). */
export const VideoLifeSchema = Type.Object({
  state: VideoStateSchema,
  pct: PercentSchema,
  since: Type.Number(),
  model: ProgressionModelSchema,
  downloadingMs: Type.Number({ minimum: 0 }),
  queuedMs: Type.Number({ minimum: 0 }),
  speed: Type.Number({ minimum: 0 }),
  step: Type.Number({ minimum: 0 }),
  failAt: Type.Optional(VideoPointSchema),
  holdAt: Type.Optional(VideoPointSchema),
  errorReasonCode: Type.Optional(ErrorReasonCodeSchema),
  /** Mock ms at which a pendingupload reservation is released. */
  expiresAt: Type.Optional(Type.Number())
}, { additionalProperties: false })

/**
 * What Cloudflare keeps of a video beside its state; every date in mock ms of the account's
 * clock. A video without them (a fixture's) was created, uploaded and last modified at mock 0.
 */
export const VideoDetailsSchema = Type.Object({
  meta: Type.Optional(VideoMetaSchema),
  creator: Type.Optional(Type.Union([CreatorSchema, Type.Null()])),
  allowedOrigins: Type.Optional(Type.Array(Type.String({ maxLength: 255 }), { maxItems: 100 })),
  thumbnailTimestampPct: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  scheduledDeletion: Type.Optional(Type.Number()),
  created: Type.Optional(Type.Number()),
  modified: Type.Optional(Type.Number()),
  uploaded: Type.Optional(Type.Number()),
  /** Bytes of the input (a direct upload's count; else the bundled MP4's). */
  size: Type.Optional(Type.Number({ minimum: 0 })),
  /** Seconds of the input, as the fixture or admin API says (default: the bundled MP4's). */
  duration: Type.Optional(Type.Number({ minimum: 0 })),
  maxDurationSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 36000 }))
}, { additionalProperties: false })
export type VideoDetails = Static<typeof VideoDetailsSchema>

/** A stored video, keyed by its id in the store. No `life`: ready since mock 0 (every data@2 video). */
export const VideoRecordSchema = Type.Object({
  account: CloudflareIdSchema,
  life: Type.Optional(VideoLifeSchema),
  details: Type.Optional(VideoDetailsSchema),
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

/** A declared account as stored: its settings (see AccountSettingsSchema). */
export const StoredAccountSchema = AccountSettingsSchema
export type StoredAccount = Static<typeof StoredAccountSchema>

/** The data file's format now; files of the older formats still open (see checkStoredHead in store/stored-data.ts). */
export const DATA_FORMAT = 'stream-downloads-mock/data@3'

/** The second format: videos without a lifecycle (all ready), no signing keys, webhook subscriptions or `requireSignedURLs`. */
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
  /** Declared accounts (fixtures, admin API) with their settings for videos created later (data@3; absent: none). */
  accounts: Type.Optional(Type.Record(Type.String({ pattern: ID_PATTERN }), StoredAccountSchema, { additionalProperties: false })),
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
  /** Read (lowdb's `read`; the store opens through `DataFile.readInto`): checked; written: a copy taken in one step. */
  videos: Iterable<readonly [string, VideoRecord]>
}
