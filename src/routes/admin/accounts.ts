import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Errors } from '../../domain/errors.js'
import { AccountParamsSchema, AccountViewSchema } from '../../schemas/admin.js'
import { FailureResponses, SuccessEnvelopeSchema, ok } from '../../schemas/envelope.js'
import { AccountSettingsSchema } from '../../schemas/fixture.js'
import { inline } from '../../plugins/named.js'

const tags = ['accounts']
const AccountListSchema = Type.Object({ accounts: Type.Array(AccountViewSchema) })
const DeletedSchema = Type.Object({ deleted: Type.String() })
const accountAnswer = { 200: SuccessEnvelopeSchema(AccountViewSchema), ...FailureResponses }

/**
 * Accounts over the admin API: declare one (with no video), read it, change its settings for the
 * videos its clients create later, remove its declaration. The settings are the fixture's
 * (`accounts[]`), checked by the same schema.
 */
const accountAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/accounts', {
    schema: { tags, summary: 'List declared accounts', description: 'The accounts declared by fixtures or this API, with their settings and how many videos each holds (accounts that only hold videos: GET /accounts/{account}).', response: { 200: SuccessEnvelopeSchema(AccountListSchema), ...FailureResponses } }
  }, async () => ok({ accounts: app.mock.store.listAccounts() }))

  app.get('/accounts/:account', {
    schema: { tags, summary: 'Show an account', description: 'A declared account, or one that holds videos (`declared: false`); 404 for any other.', params: AccountParamsSchema, response: accountAnswer }
  }, async (request) => {
    const view = app.mock.store.getAccount(request.params.account)
    if (view === undefined) throw Errors.targetNotFound(`no account ${request.params.account}`)
    return ok(view)
  })

  app.put('/accounts/:account', {
    schema: { tags, summary: 'Declare an account, or replace its settings', description: 'The account exists from now on, with or without videos; `progression` (model, downloadingMs, queuedMs, speed, step, failAt, holdAt, errorReasonCode) is what the videos its clients create later (copy, direct upload) get; videos it holds already keep theirs. 409 past the bound on declared accounts. A reset takes an account declared here away (one a fixture declares goes back to the fixture\'s settings).', params: AccountParamsSchema, body: AccountSettingsSchema, response: accountAnswer }
  }, async (request) => {
    app.mock.store.putAccount(request.params.account, request.body)
    return ok(app.mock.store.getAccount(request.params.account) as NonNullable<ReturnType<typeof app.mock.store.getAccount>>)
  })

  app.delete('/accounts/:account', {
    schema: { tags, summary: 'Remove an account\'s declaration', description: '404 when it is not declared, 409 while it holds videos (delete them, or reset the account). Its clock, signing keys and webhook stay until a reset of it.', params: AccountParamsSchema, response: { 200: SuccessEnvelopeSchema(DeletedSchema), ...FailureResponses } }
  }, async (request) => {
    app.mock.store.deleteAccount(request.params.account)
    return ok({ deleted: request.params.account })
  })
}

export default inline('admin-account-routes', accountAdminRoutes)
