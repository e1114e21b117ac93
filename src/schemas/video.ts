import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { CloudflareIdSchema } from './download.js'
import { CreatorSchema, VideoStateSchema } from './fixture.js'

/**
 * A string or null. Written with `nullable` rather than a union with null: Fastify's ajv coerces
 * types, and in `anyOf [string, null]` it would turn null into "" before the null branch is tried.
 */
function Nullable<T extends TSchema> (schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true })
}

const DateTimeSchema = Type.String({ format: 'date-time' })

/** The video endpoints' path parameters. */
export const VideoPathParamsSchema = Type.Object({ account_id: CloudflareIdSchema, identifier: CloudflareIdSchema })
export const AccountPathParamsSchema = Type.Object({ account_id: CloudflareIdSchema })

/** Cloudflare's Video (the contract's `stream_videos`), every field as the mock fills it. */
export const VideoSchema = Type.Object({
  allowedOrigins: Type.Array(Type.String()),
  created: DateTimeSchema,
  creator: Nullable(Type.String()),
  duration: Type.Number(),
  input: Type.Object({ width: Type.Integer(), height: Type.Integer() }),
  maxDurationSeconds: Nullable(Type.Integer()),
  maxSizeBytes: Nullable(Type.Number()),
  meta: Type.Object({}, { additionalProperties: true }),
  modified: DateTimeSchema,
  playback: Type.Object({ hls: Type.String(), dash: Type.String() }),
  preview: Type.String(),
  readyToStream: Type.Boolean(),
  readyToStreamAt: Nullable(DateTimeSchema),
  requireSignedURLs: Type.Boolean(),
  scheduledDeletion: Nullable(DateTimeSchema),
  size: Type.Number(),
  status: Type.Object({
    state: VideoStateSchema,
    pctComplete: Type.String(),
    errorReasonCode: Type.String(),
    errorReasonText: Type.String(),
    step: Type.Optional(Type.String())
  }),
  thumbnail: Type.String(),
  thumbnailTimestampPct: Type.Number(),
  uid: Type.String(),
  uploadExpiry: Nullable(DateTimeSchema),
  uploaded: DateTimeSchema,
  watermark: Type.Null()
})
export type Video = Static<typeof VideoSchema>

/** `GET /stream`'s query: the contract's filters and paging (see the README for which are honoured). */
export const VideoListQuerySchema = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 200, description: 'A state, or a comma-separated list of states' })),
  creator: Type.Optional(CreatorSchema),
  type: Type.Optional(Type.String({ maxLength: 10, description: 'vod or live; every video of the mock is vod' })),
  asc: Type.Optional(Type.Boolean({ description: 'Oldest first (default: newest first)' })),
  search: Type.Optional(Type.String({ maxLength: 200, description: 'A substring of meta.name, in any case' })),
  start: Type.Optional(Type.String({ maxLength: 64 })),
  end: Type.Optional(Type.String({ maxLength: 64 })),
  after: Type.Optional(Type.String({ maxLength: 64 })),
  before: Type.Optional(Type.String({ maxLength: 64 })),
  include_counts: Type.Optional(Type.Boolean()),
  video_name: Type.Optional(Type.String({ maxLength: 200 })),
  id: Type.Optional(Type.String({ maxLength: 3300 })),
  name: Type.Optional(Type.String({ maxLength: 3300 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  live_input_id: Type.Optional(Type.String({ maxLength: 64 }))
})
export type VideoListQuery = Static<typeof VideoListQuerySchema>

/** Most bytes of a video's `meta`, as JSON (mock's choice: a bound on what a client can store). */
export const MAX_META_BYTES = 16 * 1024

const MetaSchema = Type.Object({}, { additionalProperties: true })
const OriginsSchema = Type.Array(Type.String({ maxLength: 255 }), { maxItems: 100 })
const PctSchema = Type.Number({ minimum: 0, maximum: 1 })
const MaxDurationSchema = Type.Integer({ minimum: 1, maximum: 36000 })

/** The fields a copy, a direct upload and an edit share. Unknown fields are accepted and ignored (mock's choice). */
const commonFields = {
  allowedOrigins: Type.Optional(OriginsSchema),
  creator: Type.Optional(Nullable(CreatorSchema)),
  meta: Type.Optional(MetaSchema),
  requireSignedURLs: Type.Optional(Type.Boolean()),
  scheduledDeletion: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  thumbnailTimestampPct: Type.Optional(PctSchema)
}

/** `POST /stream/{identifier}`: the fields given change. */
export const VideoEditBodySchema = Type.Object({
  ...commonFields,
  maxDurationSeconds: Type.Optional(MaxDurationSchema),
  uid: Type.Optional(Type.String({ maxLength: 32 })),
  uploadExpiry: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  publicDetails: Type.Optional(Type.Object({}, { additionalProperties: true }))
}, { additionalProperties: true })
export type VideoEditBody = Static<typeof VideoEditBodySchema>

/** `POST /stream/copy`: `input` or the deprecated `url` (one is needed). */
export const VideoCopyBodySchema = Type.Object({
  ...commonFields,
  input: Type.Optional(Type.String({ maxLength: 2048 })),
  url: Type.Optional(Type.String({ maxLength: 2048 })),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  watermark: Type.Optional(Type.Object({}, { additionalProperties: true }))
}, { additionalProperties: true })
export type VideoCopyBody = Static<typeof VideoCopyBodySchema>

/** `POST /stream/direct_upload`. */
export const DirectUploadBodySchema = Type.Object({
  ...commonFields,
  maxDurationSeconds: MaxDurationSchema,
  expiry: Type.Optional(Type.String({ maxLength: 64 })),
  watermark: Type.Optional(Type.Object({}, { additionalProperties: true }))
}, { additionalProperties: true })
export type DirectUploadBody = Static<typeof DirectUploadBodySchema>

/** The `result` of `POST /stream/direct_upload`. */
export const DirectUploadResultSchema = Type.Object({
  uploadURL: Type.String(),
  uid: Type.String(),
  scheduledDeletion: Nullable(DateTimeSchema),
  watermark: Type.Null()
})
export type DirectUploadResult = Static<typeof DirectUploadResultSchema>

/** The `Upload-Creator` header of copy and direct upload. */
export const UploadHeadersSchema = Type.Object({ 'upload-creator': Type.Optional(CreatorSchema) })
