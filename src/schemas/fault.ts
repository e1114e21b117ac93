import { Type, type Static } from '@sinclair/typebox'
import { CloudflareIdSchema, DownloadTypeSchema } from './download.js'

/** Which requests a fault rule applies to: every given field must match; none given matches all. */
export const FaultMatchSchema = Type.Object({
  method: Type.Optional(Type.String({ pattern: '^[A-Z]+$', maxLength: 16, description: 'an uppercase HTTP method, such as GET' })),
  account: Type.Optional(CloudflareIdSchema),
  video: Type.Optional(CloudflareIdSchema),
  type: Type.Optional(DownloadTypeSchema),
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'A substring the request path (without the query) must contain' }))
}, { additionalProperties: false })
export type FaultMatch = Static<typeof FaultMatchSchema>

/** The Cloudflare error a fault answers with, instead of the catalogue's error for the status. */
export const FaultErrorSchema = Type.Object({
  code: Type.Integer({ minimum: 1000 }),
  message: Type.String({ minLength: 1 })
}, { additionalProperties: false })

/**
 * A fault rule as a client sends it. It needs at least one of `status`, `latencyMs` and
 * `drop: true`; JSON Schema cannot say that readably, so the fault book checks it.
 */
export const FaultRuleInputSchema = Type.Object({
  target: Type.Optional(Type.Union([Type.Literal('api'), Type.Literal('webhook')], { description: 'api (default): requests to the Cloudflare surface; webhook: the mock\'s webhook deliveries (status fails a try without sending it, latencyMs delays it, drop loses it, duplicate sends it again)' })),
  match: Type.Optional(FaultMatchSchema),
  status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599, description: 'Answer with this status and a failure envelope' })),
  error: Type.Optional(FaultErrorSchema),
  retryAfter: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: 'Seconds, sent as Retry-After' })),
  retryAfterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000, description: 'Milliseconds, sent as retry-after-ms (honoured by the official SDKs)' })),
  latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: 'Delay before answering; without status, the request then proceeds normally' })),
  drop: Type.Optional(Type.Boolean({ description: 'Destroy the connection without an answer' })),
  duplicate: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'Target webhook: send the delivery this many more times, the same body and signature' })),
  times: Type.Optional(Type.Integer({ minimum: 1, description: 'Apply to the next N matching requests, then remove the rule' })),
  probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Chance that a matching request is affected' })),
  seed: Type.Optional(Type.Integer({ description: 'Seed of the rule\'s random draws (default 1), for reproducible runs' }))
}, { additionalProperties: false })
export type FaultRuleInput = Static<typeof FaultRuleInputSchema>

/** A fault rule as the fault book holds it: the input, its id and its use so far. */
export const FaultRuleSchema = Type.Object({
  id: Type.String({ description: 'f1, f2, ... in creation order' }),
  ...FaultRuleInputSchema.properties,
  hits: Type.Integer({ minimum: 0, description: 'Times the rule was applied' }),
  remaining: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Times left, or null for no limit' })
}, { additionalProperties: false })
export type FaultRule = Static<typeof FaultRuleSchema>
