import { Type, type Static } from '@sinclair/typebox'
import { ID_PATTERN } from '../domain/ids.js'

/** A signing key as the store keeps it: the public half only (the private one is shown once, never kept). */
export const StoredSigningKeySchema = Type.Object({
  /** When it was made, ISO 8601 (the epoch rule: the account's mock time). */
  created: Type.String(),
  /** The RSA public key: modulus and exponent, base64url (as in a JWK). */
  n: Type.String({ minLength: 1, maxLength: 2048 }),
  e: Type.String({ minLength: 1, maxLength: 16 })
}, { additionalProperties: false })
export type StoredSigningKey = Static<typeof StoredSigningKeySchema>

/** An account's webhook subscription. */
export const StoredWebhookSchema = Type.Object({
  notificationUrl: Type.String({ minLength: 1, maxLength: 2048 }),
  secret: Type.String({ minLength: 1, maxLength: 256 }),
  modified: Type.String()
}, { additionalProperties: false })
export type StoredWebhook = Static<typeof StoredWebhookSchema>

/** The mock's own key, which signs the tokens of `POST /token` without `id` and `pem`. */
export const TokenKeySchema = Type.Object({
  id: Type.String({ pattern: ID_PATTERN }),
  /** The private key, PKCS#8 PEM. */
  pem: Type.String({ minLength: 1, maxLength: 8192 })
}, { additionalProperties: false })
export type TokenKey = Static<typeof TokenKeySchema>

const IdKey = Type.String({ pattern: ID_PATTERN })

/** Signing keys, webhook subscriptions and the mock's token key, as the data file keeps them. */
export const SigningDataSchema = Type.Object({
  tokenKey: Type.Optional(TokenKeySchema),
  /** By account, then by key id. */
  keys: Type.Optional(Type.Record(IdKey, Type.Record(IdKey, StoredSigningKeySchema, { additionalProperties: false }), { additionalProperties: false })),
  /** By account. */
  webhooks: Type.Optional(Type.Record(IdKey, StoredWebhookSchema, { additionalProperties: false }))
}, { additionalProperties: false })
export type SigningData = Static<typeof SigningDataSchema>

/** One access rule of a token. */
export const AccessRuleSchema = Type.Object({
  type: Type.Union([Type.Literal('any'), Type.Literal('ip.src'), Type.Literal('ip.geoip.country')]),
  action: Type.Union([Type.Literal('allow'), Type.Literal('block')]),
  ip: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  country: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z]{2}$' }), { maxItems: 100 }))
}, { additionalProperties: false })

/** The body of `POST /{identifier}/token` (optional: no body is `{}`). */
export const TokenRequestSchema = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A signing key of the account; with pem' })),
  pem: Type.Optional(Type.String({ minLength: 1, maxLength: 16_384, description: 'The key\'s private PEM, base64; with id' })),
  exp: Type.Optional(Type.Integer({ description: 'Unix seconds; at most 24 h ahead; default 1 h ahead' })),
  nbf: Type.Optional(Type.Integer({ description: 'Unix seconds; default 1 h before now' })),
  downloadable: Type.Optional(Type.Boolean()),
  accessRules: Type.Optional(Type.Array(AccessRuleSchema, { maxItems: 5 })),
  flags: Type.Optional(Type.Object({ original: Type.Optional(Type.Boolean()) }, { additionalProperties: false }))
}, { additionalProperties: false })

export const TokenResultSchema = Type.Object({ token: Type.String() })

/** A key as `POST /keys` shows it, once. */
export const MadeKeySchema = Type.Object({ id: Type.String(), pem: Type.String(), jwk: Type.String(), created: Type.String() })

/** A key as `GET /keys` lists it. */
/**
 * A key as `GET /keys` lists it: `key_id` (the newest SDKs' field, its relation to `id`
 * undocumented) is the mock's choice: equal to `id`, the `kid` tokens carry.
 */
export const ListedKeySchema = Type.Object({ id: Type.String(), created: Type.String(), key_id: Type.String() })

/** The body of `PUT /webhook`: `notificationUrl`, or the newest SDK's `notification_url`. */
export const WebhookRequestSchema = Type.Object({
  notificationUrl: Type.Optional(Type.String({ maxLength: 2048 })),
  notification_url: Type.Optional(Type.String({ maxLength: 2048 }))
}, { additionalProperties: false })

/** The webhook subscription as the API shows it; `{}` when the account has none. */
export const WebhookResultSchema = Type.Object({
  notificationUrl: Type.Optional(Type.String()),
  modified: Type.Optional(Type.String()),
  secret: Type.Optional(Type.String())
})

/** The params of the account-wide signing paths (`/keys`, `/webhook`). */
export const AccountParamsSchema = Type.Object({
  account_id: Type.String({ pattern: ID_PATTERN, maxLength: 32 })
})

/** The params of a path with a video or key id (`/{identifier}/token`, `/keys/{identifier}`). */
export const IdentifiedParamsSchema = Type.Object({
  account_id: Type.String({ pattern: ID_PATTERN, maxLength: 32 }),
  identifier: Type.String({ pattern: ID_PATTERN, maxLength: 32 })
})
