import { Type, type Static } from '@sinclair/typebox'
import { CloudflareIdSchema, DownloadStatusSchema } from './download.js'

/** The progression models a download can follow. */
export const ProgressionModelSchema = Type.Union([
  Type.Literal('time'), Type.Literal('polls'), Type.Literal('manual'), Type.Literal('immediate')
], { description: 'time: percent per second of mock time; polls: percent per client read; manual: moves only through the admin API; immediate: ready at once' })

const progressionProperties = {
  model: Type.Optional(ProgressionModelSchema),
  speed: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Percent per second of mock time (model time). Default: the configured MOCK_SPEED.' })),
  step: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'Percent per read of the video\'s downloads (model polls). Default 25.' })),
  failAt: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Percent at which the download becomes error.' })),
  holdAt: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Percent at which the download stops, inprogress, until released through the admin API.' }))
}

/** How a download progresses; every field optional, falling back to the global default. */
export const ProgressionSettingsSchema = Type.Object(progressionProperties, {
  additionalProperties: false,
  description: 'How a download progresses. Omitted fields take the global default.'
})
export type ProgressionSettings = Static<typeof ProgressionSettingsSchema>

/** A download that exists when the fixtures load: its initial state and its progression. */
export const DownloadFixtureSchema = Type.Object({
  status: Type.Optional(DownloadStatusSchema),
  percentComplete: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Initial percent. Default 0, or 100 when status is ready.' })),
  ...progressionProperties
}, { additionalProperties: false })
export type DownloadFixture = Static<typeof DownloadFixtureSchema>

/** A video's states, in Cloudflare's order. */
export const VideoStateSchema = Type.Union([
  Type.Literal('pendingupload'), Type.Literal('downloading'), Type.Literal('queued'), Type.Literal('inprogress'), Type.Literal('ready'), Type.Literal('error')
])

/** Where a video fails or holds: at the end of `downloading` or `queued`, or at a percent of `inprogress`. */
export const VideoPointSchema = Type.Union([
  Type.Literal('downloading'), Type.Literal('queued'), Type.Number({ minimum: 0, maximum: 100 })
], { description: 'downloading or queued: at the end of that state; a number: at that percent of inprogress' })

/** A processing error code (Cloudflare's: ERR_FETCH_ORIGIN_ERROR, ERR_DURATION_EXCEED_CONSTRAINT, ...). */
export const ErrorReasonCodeSchema = Type.String({ pattern: '^ERR_[A-Z_]{1,60}$', description: 'e.g. ERR_FETCH_ORIGIN_ERROR, ERR_MALFORMED_VIDEO, ERR_UNKNOWN' })

/** A video's free-form meta (Cloudflare: any JSON object). */
export const VideoMetaSchema = Type.Record(Type.String(), Type.Unknown())

/** Who created the video (Cloudflare: at most 64 characters). */
export const CreatorSchema = Type.String({ maxLength: 64 })

/** How a video moves through its states; every field optional, falling back to the defaults. */
export const VideoProgressionSettingsSchema = Type.Object({
  model: Type.Optional(ProgressionModelSchema),
  downloadingMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000_000, description: 'Mock ms in downloading (model time). Default 2000.' })),
  queuedMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000_000, description: 'Mock ms in queued (model time). Default 1000.' })),
  speed: progressionProperties.speed,
  step: progressionProperties.step,
  failAt: Type.Optional(VideoPointSchema),
  holdAt: Type.Optional(VideoPointSchema),
  errorReasonCode: Type.Optional(ErrorReasonCodeSchema)
}, { additionalProperties: false, description: 'How a video moves through its states. Omitted fields take the defaults.' })
export type VideoProgressionSettings = Static<typeof VideoProgressionSettingsSchema>

/** A video: its account, the downloads it has, and the settings of downloads clients create later. */
export const VideoFixtureSchema = Type.Object({
  id: CloudflareIdSchema,
  account: CloudflareIdSchema,
  description: Type.Optional(Type.String({ description: 'Free text for people reading the fixture.' })),
  state: Type.Optional(VideoStateSchema),
  pctComplete: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Where an inprogress video stands. Default 0.' })),
  progression: Type.Optional(VideoProgressionSettingsSchema),
  meta: Type.Optional(VideoMetaSchema),
  creator: Type.Optional(CreatorSchema),
  duration: Type.Optional(Type.Number({ minimum: 0, maximum: 36000, description: 'Seconds of the uploaded video (default 2, the bundled MP4\'s).' })),
  downloads: Type.Optional(Type.Object({
    default: Type.Optional(DownloadFixtureSchema),
    audio: Type.Optional(DownloadFixtureSchema)
  }, { additionalProperties: false })),
  onCreate: Type.Optional(Type.Object({
    default: Type.Optional(ProgressionSettingsSchema),
    audio: Type.Optional(ProgressionSettingsSchema)
  }, { additionalProperties: false, description: 'Progression of downloads a client creates later, per type.' })),
  requireSignedURLs: Type.Optional(Type.Boolean({ description: 'Its media urls need a signed token in place of the video id (Cloudflare\'s requireSignedURLs). Default false.' }))
}, { additionalProperties: false })
export type VideoFixture = Static<typeof VideoFixtureSchema>

/**
 * An account's settings: how the videos its clients create later (copy, direct upload) move
 * through their states. Omitted: the defaults, as for an account that only holds videos.
 */
export const AccountSettingsSchema = Type.Object({
  description: Type.Optional(Type.String({ maxLength: 1000, description: 'Free text for people reading the fixture.' })),
  progression: Type.Optional(VideoProgressionSettingsSchema)
}, { additionalProperties: false, description: 'Settings of the videos clients create later in the account (copy, direct upload).' })
export type AccountSettings = Static<typeof AccountSettingsSchema>

/** An account declared by a fixture: it exists with no video, with its settings for videos created later. */
export const AccountFixtureSchema = Type.Object({
  id: CloudflareIdSchema,
  ...AccountSettingsSchema.properties
}, { additionalProperties: false })
export type AccountFixture = Static<typeof AccountFixtureSchema>

/** A fixture document: one file of the scenario set. */
export const FixtureSchema = Type.Object({
  $schema: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  accounts: Type.Optional(Type.Array(AccountFixtureSchema, { description: 'Accounts that exist with or without videos, and the progression of the videos their clients create later.' })),
  videos: Type.Array(VideoFixtureSchema)
}, {
  title: 'stream-downloads-mock fixture',
  description: 'Videos and downloads that stream-downloads-mock serves. See the README, section Fixtures.',
  additionalProperties: false
})
export type FixtureDocument = Static<typeof FixtureSchema>
