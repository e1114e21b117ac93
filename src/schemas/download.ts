import { Type, type Static } from '@sinclair/typebox'
import { ID_PATTERN } from '../domain/ids.js'

/** A Cloudflare account or video id. */
export const CloudflareIdSchema = Type.String({ pattern: ID_PATTERN, maxLength: 32, description: '32 lowercase hexadecimal characters' })

/** A download type. */
export const DownloadTypeSchema = Type.Union([Type.Literal('default'), Type.Literal('audio')], { description: 'The download type: default (MP4) or audio (M4A)' })

export const DownloadStatusSchema = Type.Union([Type.Literal('inprogress'), Type.Literal('ready'), Type.Literal('error')])

export const PercentSchema = Type.Number({ minimum: 0, maximum: 100 })

/** One download as the Cloudflare API shows it. */
export const DownloadSchema = Type.Object({
  status: DownloadStatusSchema,
  percentComplete: PercentSchema,
  url: Type.String({ format: 'uri' })
})
export type Download = Static<typeof DownloadSchema>

/** The `result` of the downloads endpoints: only the types that exist. */
export const DownloadsResultSchema = Type.Object({
  default: Type.Optional(DownloadSchema),
  audio: Type.Optional(DownloadSchema)
})
export type DownloadsResult = Static<typeof DownloadsResultSchema>

export const DownloadsParamsSchema = Type.Object({
  account_id: CloudflareIdSchema,
  identifier: CloudflareIdSchema
})
export type DownloadsParams = Static<typeof DownloadsParamsSchema>

export const TypedDownloadParamsSchema = Type.Object({
  account_id: CloudflareIdSchema,
  identifier: CloudflareIdSchema,
  download_type: DownloadTypeSchema
})
export type TypedDownloadParams = Static<typeof TypedDownloadParamsSchema>

/**
 * The optional request body of the create endpoints: no body, an empty body, or any JSON object.
 * The JSON parser (plugins/envelope.ts) refuses other JSON with Cloudflare's error, so the schema
 * accepts anything that reaches validation, including no body at all.
 */
export const CreateBodySchema = Type.Unknown({ description: 'Optional: nothing, or any JSON object (the Python SDK sends {})' })
