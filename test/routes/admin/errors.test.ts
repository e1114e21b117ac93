import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import { Errors, RefusedChange } from '../../../src/domain/errors.js'
import { FaultRuleError } from '../../../src/domain/faults.js'
import envelopePlugin from '../../../src/plugins/envelope.js'
import { adminErrorHandler, requestField } from '../../../src/routes/admin/errors.js'
import { ok } from '../../../src/schemas/envelope.js'
import { FixtureError } from '../../../src/seed/fixture-error.js'
import { StoreChangeError } from '../../../src/store/download-store.js'
import { ACCOUNT, UNKNOWN_VIDEO, VIDEOS, build } from '../../helpers/build.js'

const failure = (code: number, message: string): object => ({ result: null, success: false, errors: [{ code, message }], messages: [] })

t.test('requestField: the route\'s path parameters are params., the rest body.; a field naming its part is kept', async (t) => {
  const params = { video: VIDEOS.ready, type: 'audio' }
  t.equal(requestField('video', params), 'params.video')
  t.equal(requestField('type', params), 'params.type')
  t.equal(requestField('percentComplete', params), 'body.percentComplete')
  t.equal(requestField('account', {}), 'body.account')
  t.equal(requestField('match.account', {}), 'body.match.account', 'dotted within the body: a fault rule\'s field')
  t.equal(requestField('type.x', params), 'params.type.x', 'the first segment decides')
  t.equal(requestField('params.video', params), 'params.video', 'as the store named it before it named plain fields')
  t.equal(requestField('body.percentComplete', params), 'body.percentComplete')
  t.equal(requestField('querystring.account', {}), 'querystring.account')
  t.equal(requestField('', {}), 'body', 'the whole body')
  t.equal(requestField('video', undefined), 'body.video', 'no params at all')
  t.equal(requestField('toString', {}), 'body.toString', 'only own keys are parameters')
})

/** An app with the envelope and, in a scope with the admin error handler, routes that throw what they are told. */
async function refusingApp (t: { teardown: (fn: () => unknown) => void }, refusal: () => unknown): Promise<FastifyInstance> {
  const app = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>()
  await app.register(envelopePlugin)
  await app.register(async (admin) => {
    admin.setErrorHandler(adminErrorHandler)
    admin.put('/things/:video', { schema: { params: Type.Object({ video: Type.String() }), body: Type.Optional(Type.Object({ n: Type.Optional(Type.Integer()) })) } }, async () => {
      throw refusal()
    })
    admin.post('/reset', { config: { readsFixtureFiles: true } }, async () => {
      throw refusal()
    })
    admin.get('/fine', async () => ok('fine'))
  }, { prefix: '/__mock' })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

t.test('the admin error handler: each refusal of the domain, its status and envelope', async (t) => {
  const cases: Array<[string, () => unknown, number, object]> = [
    ['a plain path parameter', () => new StoreChangeError('video', 'is gone'), 400, failure(10400, 'params.video: is gone')],
    ['a plain body field', () => new StoreChangeError('percentComplete', 'a ready download is at 100 (got 50)'), 400, failure(10400, 'body.percentComplete: a ready download is at 100 (got 50)')],
    ['a field the store prefixed itself', () => new StoreChangeError('body.percentComplete', 'x'), 400, failure(10400, 'body.percentComplete: x')],
    ['a fault rule\'s nested field', () => new FaultRuleError('match.account', 'y'), 400, failure(10400, 'body.match.account: y')],
    ['a missing target', () => new StoreChangeError('video', `no video ${UNKNOWN_VIDEO}`, 'not-found'), 404, failure(10404, `no video ${UNKNOWN_VIDEO}`)],
    ['a bound reached', () => new RefusedChange('videos', 'the store holds at most 3 videos', 'full'), 409, failure(10409, 'the store holds at most 3 videos')],
    ['a full fault book', () => new FaultRuleError('', 'the fault book is full (1 rules); delete some first', 'full'), 409, failure(10409, 'the fault book is full (1 rules); delete some first')],
    ['a bad document', () => new FixtureError('body', '$.videos[0].id', 'duplicate'), 400, failure(10400, 'body: $.videos[0].id: duplicate')],
    ['a catalogue error, as it is', () => Errors.noFaultRule('f9'), 404, failure(10404, 'No fault rule f9')],
    ['anything else: a bug, a 500 envelope without a stack', () => new TypeError('boom'), 500, failure(10001, 'Internal server error')]
  ]
  for (const [name, refusal, status, body] of cases) {
    const app = await refusingApp(t, refusal)
    const res = await app.inject({ method: 'PUT', url: `/__mock/things/${VIDEOS.ready}`, payload: { n: 1 } })
    t.equal(res.statusCode, status, name)
    t.strictSame(res.json(), body, name)
  }
})

t.test('the admin error handler: a FixtureError is a 409 on a route that reads the fixture files', async (t) => {
  const app = await refusingApp(t, () => new FixtureError('fixtures/a.json', '$', 'invalid JSON: x'))
  const reset = await app.inject({ method: 'POST', url: '/__mock/reset' })
  t.equal(reset.statusCode, 409)
  t.strictSame(reset.json(), failure(10409, 'reset refused, nothing changed: the fixtures no longer load: fixtures/a.json: $: invalid JSON: x'))
  const put = await app.inject({ method: 'PUT', url: `/__mock/things/${VIDEOS.ready}`, payload: {} })
  t.strictSame(put.json(), failure(10400, 'fixtures/a.json: $: invalid JSON: x'), 'elsewhere, a 400')
})

t.test('the admin error handler passes what is not a refusal to the envelope\'s handler', async (t) => {
  const app = await refusingApp(t, () => new StoreChangeError('video', 'unreachable'))
  const invalid = await app.inject({ method: 'PUT', url: `/__mock/things/${VIDEOS.ready}`, payload: { n: 'x' } })
  t.equal(invalid.statusCode, 400)
  t.strictSame(invalid.json(), failure(10400, 'body.n: must be integer'), 'schema validation')
  const malformed = await app.inject({ method: 'PUT', url: `/__mock/things/${VIDEOS.ready}`, payload: '{', headers: { 'content-type': 'application/json' } })
  t.strictSame(malformed.json(), failure(6007, 'Malformed JSON in request body'))
  t.strictSame((await app.inject({ method: 'GET', url: '/__mock/fine' })).json(), { result: 'fine', success: true, errors: [], messages: [] })
})

t.test('through the API: the store\'s refusals, with plain fields or prefixed ones, are named as request fields', async (t) => {
  const app = await build(t)
  const patch = async (video: string): Promise<{ statusCode: number, body: unknown }> => {
    const res = await app.inject({ method: 'PATCH', url: `/__mock/videos/${video}/downloads/default`, payload: { percentComplete: 50 } })
    return { statusCode: res.statusCode, body: res.json() }
  }
  const store = app.mock.store as unknown as { patchDownload: (...args: unknown[]) => void }
  const original = store.patchDownload
  t.teardown(() => { store.patchDownload = original })

  store.patchDownload = () => { throw new StoreChangeError('percentComplete', 'a ready download is at 100 (got 50)') }
  t.strictSame(await patch(VIDEOS.ready), { statusCode: 400, body: failure(10400, 'body.percentComplete: a ready download is at 100 (got 50)') })
  store.patchDownload = () => { throw new StoreChangeError('body.percentComplete', 'a ready download is at 100 (got 50)') }
  t.strictSame(await patch(VIDEOS.ready), { statusCode: 400, body: failure(10400, 'body.percentComplete: a ready download is at 100 (got 50)') }, 'the same before the store names plain fields')
  store.patchDownload = () => { throw new StoreChangeError('video', 'not this one') }
  t.strictSame(await patch(VIDEOS.ready), { statusCode: 400, body: failure(10400, 'params.video: not this one') })
  store.patchDownload = () => { throw new StoreChangeError('video', `no video ${UNKNOWN_VIDEO}`, 'not-found') }
  t.strictSame(await patch(UNKNOWN_VIDEO), { statusCode: 404, body: failure(10404, `no video ${UNKNOWN_VIDEO}`) })

  store.patchDownload = original
  t.strictSame(await patch(UNKNOWN_VIDEO), { statusCode: 404, body: failure(10404, `no video ${UNKNOWN_VIDEO}`) }, 'the store as it is')
  const clock = await app.inject({ method: 'POST', url: '/__mock/clock/freeze', payload: { account: ACCOUNT } })
  t.equal(clock.statusCode, 200, 'and a change it accepts')
})
