import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { Errors, RefusedChange, type MockError } from '../domain/errors.js'
import { issuedClaims, tokenRequestProblems } from '../domain/signed-tokens.js'
import { FailureResponses, SuccessEnvelopeSchema, ok } from '../schemas/envelope.js'
import {
  AccountParamsSchema, IdentifiedParamsSchema, ListedKeySchema, MadeKeySchema, TokenRequestSchema, TokenResultSchema, WebhookRequestSchema, WebhookResultSchema
} from '../schemas/signing.js'
import type { VideoRecord } from '../schemas/store.js'
import { noteAccountAnd } from './admission.js'
import type { CloudflareSurfaceOptions } from './index.js'
import { groupAdmission } from './routes.js'
import { foundVideo } from './answers.js'
import { clientPrivateKey, makeSigningKey, signClaims } from './signed-urls.js'
import { named } from '../plugins/named.js'

/** The surface's signed-URL and webhook paths, at the root (prefix.ts maps /client/v4 onto them). */
export const TOKEN_PATH = '/accounts/:account_id/stream/:identifier/token'
export const KEYS_PATH = '/accounts/:account_id/stream/keys'
export const KEY_PATH = '/accounts/:account_id/stream/keys/:identifier'
export const WEBHOOK_PATH = '/accounts/:account_id/stream/webhook'

/** A store's refusal (a bound reached) as the surface answers it. */
function refusal (error: unknown): MockError {
  if (error instanceof RefusedChange) return Errors.signingBoundReached(error.message)
  /* c8 ignore next -- the store refuses with RefusedChange only; anything else is a bug, answered 500 */
  throw error
}

/** The url of a subscription: any http(s) url (local ones too: the mock is a local tool). */
function notificationUrlProblem (url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'must be an absolute http or https URL'
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? undefined : 'must be an http or https URL'
}

/**
 * Signed URLs and webhooks on the Cloudflare surface: `POST /{identifier}/token`, the signing
 * keys (`/keys`), the webhook subscription (`/webhook`). Through the same admission (ids,
 * method, credentials, Prefer, fault rules) and journal as the downloads endpoints.
 */
const signedRoutes: FastifyPluginAsyncTypebox<CloudflareSurfaceOptions> = async (app, options) => {
  const store = app.mock.store
  // Their identifier is a video's (/token), a signing key's (/keys/{id}) or absent.
  app.addHook('onRequest', groupAdmission(app, options, (request, params) => noteAccountAnd(request, params, request.routeOptions.url === TOKEN_PATH)))
  // No body counts as `{}`: POST /token and POST /keys are sent without one by some clients.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body !== undefined) request.body = {}
  })

  /** The video of the path, or the 404 of an unknown account or video. */
  function videoFor (account: string, videoId: string): VideoRecord {
    return foundVideo(store.lookup(account, videoId, options.autoCreate), store.maxVideos)
  }

  /** Refuses an account that holds no video (unless any account exists on first use). */
  function requireAccount (account: string): void {
    if (!options.autoCreate && !store.hasAccount(account)) throw Errors.accountNotFound()
  }

  // Token times are real (clients sign with real time): the app's wall clock, not the mock clock.
  const nowS = (): number => Math.floor(store.wallMs() / 1000)
  // Dates of records follow the epoch rule, on the account's mock clock.
  const isoNow = (account: string): string => new Date(store.mockWallMs(account)).toISOString()
  const params = (request: FastifyRequest): { account: string, id: string } => {
    const { account_id: account, identifier } = request.params as { account_id: string, identifier: string }
    return { account, id: identifier }
  }

  app.post(TOKEN_PATH, {
    schema: { summary: 'Create a signed URL token', params: IdentifiedParamsSchema, body: TokenRequestSchema, response: { 200: SuccessEnvelopeSchema(TokenResultSchema), ...FailureResponses } }
  }, async (request) => {
    const { account, id: videoId } = params(request)
    videoFor(account, videoId)
    const body = request.body
    const now = nowS()
    const problems = tokenRequestProblems(body, now)
    if (problems.length > 0) throw Errors.invalidInput(...problems)
    let signer: { id: string, key: KeyObject }
    if (body.id !== undefined && body.pem !== undefined) {
      const stored = store.signing.keyAt(account, body.id)
      if (stored === undefined) throw Errors.invalidInput({ field: 'body.id', problem: `no signing key ${body.id} in this account` })
      const key = clientPrivateKey(body.pem)
      if (key === undefined || createPublicKey(key).export({ format: 'jwk' }).n !== stored.n) {
        throw Errors.invalidInput({ field: 'body.pem', problem: `not the private key of signing key ${body.id} (base64 of the PEM that POST /keys answered)` })
      }
      signer = { id: body.id, key }
    } else {
      signer = await app.mock.tokens.tokenKey()
    }
    const token = await signClaims(issuedClaims(videoId, signer.id, body, now), signer.id, signer.key)
    return ok({ token })
  })

  app.get(KEYS_PATH, {
    // Cloudflare's methods of the path, no more: HEAD is not among them.
    exposeHeadRoute: false,
    schema: { summary: 'List signing keys', params: AccountParamsSchema, response: { 200: SuccessEnvelopeSchema(Type.Array(ListedKeySchema)), ...FailureResponses } }
  }, async (request) => {
    const { account } = params(request)
    requireAccount(account)
    return ok(store.signing.keysOf(account).map(([id, key]) => ({ id, created: key.created, key_id: id })))
  })

  app.post(KEYS_PATH, {
    schema: { summary: 'Create a signing key', params: AccountParamsSchema, body: Type.Unknown(), response: { 200: SuccessEnvelopeSchema(MadeKeySchema), ...FailureResponses } }
  }, async (request) => {
    const { account } = params(request)
    requireAccount(account)
    try {
      // Checked before the key is made (which takes a while), and again as it is added.
      store.signing.checkRoomForKey(account)
      const made = await makeSigningKey(isoNow(account))
      store.signing.addKey(account, made.id, made.stored)
      request.log.info({ account, key: made.id }, 'signing key created')
      return ok({ id: made.id, pem: made.pem, jwk: made.jwk, created: made.stored.created })
    } catch (error) {
      throw refusal(error)
    }
  })

  app.delete(KEY_PATH, {
    schema: { summary: 'Delete a signing key', params: IdentifiedParamsSchema, response: { 200: SuccessEnvelopeSchema(Type.String()), ...FailureResponses } }
  }, async (request) => {
    const { account, id } = params(request)
    if (!store.signing.deleteKey(account, id)) throw Errors.signingKeyNotFound()
    request.log.info({ account, key: id }, 'signing key deleted: its tokens are revoked')
    return ok('Revoked')
  })

  app.get(WEBHOOK_PATH, {
    exposeHeadRoute: false,
    schema: { summary: 'View the webhook', params: AccountParamsSchema, response: { 200: SuccessEnvelopeSchema(WebhookResultSchema), ...FailureResponses } }
  }, async (request) => {
    const { account } = params(request)
    requireAccount(account)
    return ok(store.signing.webhookOf(account) ?? {})
  })

  app.put(WEBHOOK_PATH, {
    schema: { summary: 'Create or replace the webhook', params: AccountParamsSchema, body: WebhookRequestSchema, response: { 200: SuccessEnvelopeSchema(WebhookResultSchema), ...FailureResponses } }
  }, async (request) => {
    const { account } = params(request)
    requireAccount(account)
    const url = request.body.notificationUrl ?? request.body.notification_url
    if (url === undefined) throw Errors.invalidInput({ field: 'body.notificationUrl', problem: 'is required' })
    const problem = notificationUrlProblem(url)
    if (problem !== undefined) throw Errors.invalidInput({ field: 'body.notificationUrl', problem })
    const existing = store.signing.webhookOf(account)
    // A new url rotates the secret (as Cloudflare's); the same url keeps it.
    const secret = existing !== undefined && existing.notificationUrl === url ? existing.secret : randomBytes(16).toString('hex')
    const webhook = { notificationUrl: url, secret, modified: isoNow(account) }
    try {
      store.signing.setWebhook(account, webhook)
    } catch (error) {
      throw refusal(error)
    }
    return ok(webhook)
  })

  app.delete(WEBHOOK_PATH, {
    schema: { summary: 'Delete the webhook', params: AccountParamsSchema, response: { 200: SuccessEnvelopeSchema(Type.String()), ...FailureResponses } }
  }, async (request) => {
    const { account } = params(request)
    requireAccount(account)
    // Idempotent, as the downloads' delete: none set answers "ok" too.
    store.signing.deleteWebhook(account)
    return ok('ok')
  })
}

export default named('cloudflare-signed', signedRoutes)
