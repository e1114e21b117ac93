import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Errors } from '../../domain/errors.js'
import { AccountQuerySchema } from '../../schemas/admin.js'
import { FailureResponses, SuccessEnvelopeSchema, ok } from '../../schemas/envelope.js'
import { FaultRuleInputSchema, FaultRuleSchema } from '../../schemas/fault.js'
import { inline } from '../../plugins/named.js'

const tags = ['faults']
const FaultRulesSchema = Type.Object({ rules: Type.Array(FaultRuleSchema) })
const ClearedSchema = Type.Object({ cleared: Type.Integer({ minimum: 0 }) })
const RuleParamsSchema = Type.Object({ id: Type.String({ maxLength: 32, description: 'The rule id, e.g. f1' }) })
const DeletedSchema = Type.Object({ deleted: Type.String() })

/**
 * The fault rules of the admin API: list, add, clear and delete the rules that make Cloudflare
 * requests fail, wait or lose their connection (`app.mock.faults`, from the faults plugin).
 */
const faultsAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/faults', {
    schema: {
      tags,
      summary: 'List fault rules',
      description: 'The fault rules in creation order, which is the order they are tried in. With `account`, only the rules that match that account.',
      querystring: AccountQuerySchema,
      response: { 200: SuccessEnvelopeSchema(FaultRulesSchema), ...FailureResponses }
    }
  }, async (request) => ok({ rules: app.mock.faults.list(request.query.account) }))

  app.post('/faults', {
    schema: {
      tags,
      summary: 'Add a fault rule',
      description: 'A rule needs at least one of `status`, `latencyMs` and `drop: true`. A 429 without `retryAfter` or `retryAfterMs` carries `Retry-After: 1`.',
      body: FaultRuleInputSchema,
      response: { 200: SuccessEnvelopeSchema(FaultRuleSchema), ...FailureResponses }
    }
  }, async (request) => ok(app.mock.faults.add(request.body)))

  app.delete('/faults', {
    schema: {
      tags,
      summary: 'Clear fault rules',
      description: 'Deletes every rule, or with `account` only the rules that match that account.',
      querystring: AccountQuerySchema,
      response: { 200: SuccessEnvelopeSchema(ClearedSchema), ...FailureResponses }
    }
  }, async (request) => ok({ cleared: app.mock.faults.clear(request.query.account) }))

  app.delete('/faults/:id', {
    schema: {
      tags,
      summary: 'Delete a fault rule',
      params: RuleParamsSchema,
      response: { 200: SuccessEnvelopeSchema(DeletedSchema), ...FailureResponses }
    }
  }, async (request) => {
    const { id } = request.params
    if (!app.mock.faults.remove(id)) throw Errors.noFaultRule(id)
    return ok({ deleted: id })
  })
}

export default inline('admin-faults-routes', faultsAdminRoutes)
