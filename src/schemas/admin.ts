import { Type, type Static } from '@sinclair/typebox'
import { CloudflareIdSchema, DownloadStatusSchema, DownloadTypeSchema, PercentSchema } from './download.js'
import {
  DownloadFixtureSchema, ErrorReasonCodeSchema, ProgressionModelSchema, ProgressionSettingsSchema, VideoFixtureSchema,
  VideoPointSchema, VideoProgressionSettingsSchema, VideoStateSchema
} from './fixture.js'

/** `?account=`: scope an admin operation to one account. */
export const AccountQuerySchema = Type.Object({
  account: Type.Optional(CloudflareIdSchema)
}, { additionalProperties: false })

/** Most videos one page of `GET /__mock/videos` lists. */
export const MAX_VIDEO_PAGE = 1000

/** `GET /__mock/videos`: one account's (`account`), and a page of them (`offset`, `limit`; default all). */
export const VideoListQuerySchema = Type.Object({
  account: Type.Optional(CloudflareIdSchema),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Videos skipped, in the listing\'s order (oldest first)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_VIDEO_PAGE, description: 'Most videos listed (default: every one)' }))
}, { additionalProperties: false })

/** A body that may name one account (reset, clock operations). */
export const AccountBodySchema = Type.Object({
  account: Type.Optional(CloudflareIdSchema)
}, { additionalProperties: false })
/** The body of the routes whose body only holds options: none at all counts as `{}`. */
export const OptionalAccountBodySchema = Type.Optional(AccountBodySchema)

export const VideoParamsSchema = Type.Object({ video: CloudflareIdSchema })
export const DownloadParamsSchema = Type.Object({ video: CloudflareIdSchema, type: DownloadTypeSchema })

/** A download as the admin API shows it: the Cloudflare state and the progression settings. */
export const DownloadViewSchema = Type.Object({
  status: DownloadStatusSchema,
  percentComplete: PercentSchema,
  model: ProgressionModelSchema,
  speed: Type.Number(),
  step: Type.Number(),
  failAt: Type.Optional(PercentSchema),
  holdAt: Type.Optional(PercentSchema)
})

/** A video's lifecycle as the admin API shows it: its state now and its progression. */
/** A video progression's fields, every one filled: in a video's lifecycle view and in an account's defaults. */
const VideoProgressionFields = {
  model: ProgressionModelSchema,
  downloadingMs: Type.Number(),
  queuedMs: Type.Number(),
  speed: Type.Number(),
  step: Type.Number(),
  failAt: Type.Optional(VideoPointSchema),
  holdAt: Type.Optional(VideoPointSchema)
}

export const VideoLifecycleViewSchema = Type.Object({
  state: VideoStateSchema,
  pctComplete: PercentSchema,
  since: Type.Number({ description: 'Mock ms at which the video entered its state (or, inprogress, its last anchor)' }),
  errorReasonCode: Type.Optional(Type.String()),
  ...VideoProgressionFields,
  expiresAt: Type.Optional(Type.Number({ description: 'Mock ms at which a pendingupload reservation is released' }))
})

export const VideoViewSchema = Type.Object({
  id: CloudflareIdSchema,
  account: CloudflareIdSchema,
  downloads: Type.Object({ default: Type.Optional(DownloadViewSchema), audio: Type.Optional(DownloadViewSchema) }),
  onCreate: Type.Object({ default: Type.Optional(ProgressionSettingsSchema), audio: Type.Optional(ProgressionSettingsSchema) }),
  requireSignedURLs: Type.Optional(Type.Boolean({ description: 'Its media urls need a signed token in place of the id' })),
  lifecycle: Type.Optional(VideoLifecycleViewSchema)
})

/** A change of a video's lifecycle (PATCH /videos/:video/lifecycle). */
export const VideoLifeChangeSchema = Type.Object({
  state: Type.Optional(VideoStateSchema),
  pctComplete: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Where an inprogress video stands (default: where it stands now, or 0)' })),
  progression: Type.Optional(VideoProgressionSettingsSchema),
  errorReasonCode: Type.Optional(ErrorReasonCodeSchema),
  dropDownloads: Type.Optional(Type.Boolean({ description: 'Delete the video\'s downloads when the change takes it out of ready (else 409)' }))
}, { additionalProperties: false })
export type VideoView = Static<typeof VideoViewSchema>

/** A video to create or replace at a known id: the fixture without its `id`. */
export const VideoInputSchema = Type.Omit(VideoFixtureSchema, ['id'], { additionalProperties: false })

/**
 * A percent, or null to remove the point. Written with `nullable` rather than a union with
 * null: Fastify's ajv coerces types, and in `anyOf [number, null]` it turns null into 0 (a fail
 * point at 0) before the null branch is tried; with `nullable` null matches as it is. OpenAPI
 * 3.0 reads `nullable` as such.
 */
const NullablePercentSchema = Type.Unsafe<number | null>({ type: 'number', minimum: 0, maximum: 100, nullable: true, description: 'A percent, or null to remove the point' })

/** Changes to a download; `failAt: null` and `holdAt: null` remove those points (a hold is released). */
export const DownloadPatchSchema = Type.Object({
  ...DownloadFixtureSchema.properties,
  failAt: Type.Optional(NullablePercentSchema),
  holdAt: Type.Optional(NullablePercentSchema)
}, { additionalProperties: false })

export const ClockViewSchema = Type.Object({
  scope: Type.Union([Type.Literal('global'), Type.Literal('account')], { description: 'account: the account has a clock of its own' }),
  account: Type.Optional(CloudflareIdSchema),
  nowMs: Type.Number({ description: 'Mock time in ms' }),
  frozen: Type.Boolean(),
  rate: Type.Number({ description: 'Mock ms per real ms while running' }),
  tickMs: Type.Integer({ description: 'Real ms between ticks (MOCK_TICK_MS)' }),
  ticking: Type.Boolean({ description: 'Whether the wall-clock ticker runs' })
})
export type ClockView = Static<typeof ClockViewSchema>

export const ClockAdvanceBodySchema = Type.Object({
  ms: Type.Integer({ minimum: 0, maximum: 31_536_000_000, description: 'Mock ms to move on (at most a year)' }),
  account: Type.Optional(CloudflareIdSchema)
}, { additionalProperties: false })

export const ClockRateBodySchema = Type.Object({
  rate: Type.Number({ minimum: 0, maximum: 1000, description: 'Mock ms per real ms: 1 real time, 10 ten times faster, 0 stands still' }),
  account: Type.Optional(CloudflareIdSchema)
}, { additionalProperties: false })

/** The global default progression (`/defaults`): what created downloads get. */
export const DefaultsSchema = Type.Object({
  model: ProgressionModelSchema,
  speed: Type.Number(),
  step: Type.Number(),
  failAt: Type.Optional(Type.Number()),
  holdAt: Type.Optional(Type.Number())
})
export type ProgressionDefaults = Static<typeof DefaultsSchema>

/** The answer of `POST /reset`. */
export const ResetResultSchema = Type.Object({
  reset: Type.String({ description: '"all" or the account id' }),
  videos: Type.Integer({ description: 'Videos the scope holds now' })
})
export type ResetResult = Static<typeof ResetResultSchema>

/** The answer of `POST /fixtures`: videos loaded, and how many of them were new. */
export const FixturesLoadedSchema = Type.Object({ loaded: Type.Integer(), created: Type.Integer() })
export type FixturesLoaded = Static<typeof FixturesLoadedSchema>

/** The answer of `POST /clock/advance`: the clock, the transitions it caused, the resulting videos. */
export const AdvanceResultSchema = Type.Object({
  clock: ClockViewSchema,
  transitions: Type.Integer({ description: 'Downloads that became ready or error, or reached a hold' }),
  videos: Type.Optional(Type.Array(VideoViewSchema, { description: 'The account\'s videos (with an account), or all videos when there are at most 500' }))
})
export type AdvanceResult = Static<typeof AdvanceResultSchema>

/** `/accounts/:account`. */
export const AccountParamsSchema = Type.Object({ account: CloudflareIdSchema })

/** A video progression with every field filled (what a video created in an account gets). */
export const VideoProgressionViewSchema = Type.Object({
  ...VideoProgressionFields,
  errorReasonCode: Type.Optional(Type.String())
})

/** An account as the admin API shows it: declared or not, its videos, its settings and what they give. */
export const AccountViewSchema = Type.Object({
  id: CloudflareIdSchema,
  declared: Type.Boolean({ description: 'Declared by a fixture or the admin API; false: it exists only through the videos it holds' }),
  videos: Type.Integer({ description: 'Videos it holds' }),
  description: Type.Optional(Type.String()),
  progression: Type.Optional(VideoProgressionSettingsSchema),
  videoDefaults: VideoProgressionViewSchema
})
export type AccountView = Static<typeof AccountViewSchema>
