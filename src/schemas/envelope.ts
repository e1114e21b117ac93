import { Type, type Static, type TSchema } from '@sinclair/typebox'

/** One error or message of a Cloudflare envelope. */
export const EnvelopeMessageSchema = Type.Object({
  code: Type.Integer({ minimum: 1000 }),
  message: Type.String(),
  error_chain: Type.Optional(Type.Array(Type.Object({ code: Type.Integer(), message: Type.String() })))
})

/** The success envelope of each result schema, built once: the same object for every route and app that uses it. */
const successEnvelopes = new WeakMap<TSchema, TSchema>()

/** The success envelope around a result of the given schema. */
export function SuccessEnvelopeSchema<T extends TSchema> (result: T) {
  // Route schemas compile once a process, found by object first (app.ts): a fresh envelope per
  // build would be serialized to JSON to be found again.
  const known = successEnvelopes.get(result) as ReturnType<typeof successEnvelope<T>> | undefined
  if (known !== undefined) return known
  const envelope = successEnvelope(result)
  successEnvelopes.set(result, envelope)
  return envelope
}

function successEnvelope<T extends TSchema> (result: T) {
  return Type.Object({
    result,
    success: Type.Literal(true),
    errors: Type.Array(EnvelopeMessageSchema, { maxItems: 0 }),
    messages: Type.Array(EnvelopeMessageSchema)
  })
}

/** Any JSON object: the answer of the routes that serve documents (OpenAPI, JSON Schema). */
export const OpenObjectSchema = Type.Object({}, { additionalProperties: true })

/** The failure envelope: `result` null and at least one error. */
export const FailureEnvelopeSchema = Type.Object({
  result: Type.Null(),
  success: Type.Literal(false),
  errors: Type.Array(EnvelopeMessageSchema, { minItems: 1 }),
  messages: Type.Array(EnvelopeMessageSchema)
})
export type FailureEnvelope = Static<typeof FailureEnvelopeSchema>

/** The `response` entries every route shares: whatever it refuses (4xx) or fails with (5xx) is an envelope. */
export const FailureResponses = { '4xx': FailureEnvelopeSchema, '5xx': FailureEnvelopeSchema } as const

/** Wraps a result in the success envelope. */
export function ok<T> (result: T): { result: T, success: true, errors: [], messages: [] } {
  return { result, success: true, errors: [], messages: [] }
}
