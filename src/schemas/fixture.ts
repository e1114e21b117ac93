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

/** A video: its account, the downloads it has, and the settings of downloads clients create later. */
export const VideoFixtureSchema = Type.Object({
  id: CloudflareIdSchema,
  account: CloudflareIdSchema,
  description: Type.Optional(Type.String({ description: 'Free text for people reading the fixture.' })),
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

/** A fixture document: one file of the scenario set. */
export const FixtureSchema = Type.Object({
  $schema: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  videos: Type.Array(VideoFixtureSchema)
}, {
  title: 'stream-downloads-mock fixture',
  description: 'Videos and downloads that stream-downloads-mock serves. See the README, section Fixtures.',
  additionalProperties: false
})
export type FixtureDocument = Static<typeof FixtureSchema>
