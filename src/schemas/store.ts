import { Type, type Static } from '@sinclair/typebox'
import { ID_PATTERN } from '../domain/ids.js'
import { CloudflareIdSchema, DownloadStatusSchema, PercentSchema } from './download.js'
import { ProgressionModelSchema, ProgressionSettingsSchema } from './fixture.js'

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
  }, { additionalProperties: false })
}, { additionalProperties: false })
export type VideoRecord = Static<typeof VideoRecordSchema>

export const DATA_FORMAT = 'stream-downloads-mock/data@1'

/** The whole state, as lowdb holds it and as MOCK_DATA_FILE stores it. */
/** A clock as stored: mock time, and (optional in files, filled in on load) frozen and rate. */
export const StoredClockSchema = Type.Object({
  nowMs: Type.Number({ minimum: 0 }),
  frozen: Type.Optional(Type.Boolean()),
  rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 }))
}, { additionalProperties: false })

export const StoreDataSchema = Type.Object({
  format: Type.Literal(DATA_FORMAT),
  clock: StoredClockSchema,
  /** Accounts with a clock of their own (frozen or stepped apart from the global clock). */
  accountClocks: Type.Optional(Type.Record(Type.String({ pattern: ID_PATTERN }), StoredClockSchema, { additionalProperties: false })),
  /** The global default progression set over the admin API (unset fields: the configured ones). */
  defaults: Type.Optional(ProgressionSettingsSchema),
  videos: Type.Record(Type.String({ pattern: ID_PATTERN }), VideoRecordSchema, { additionalProperties: false })
}, { additionalProperties: false })
export type StoreData = Static<typeof StoreDataSchema>
