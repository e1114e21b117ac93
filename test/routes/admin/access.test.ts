import t from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { api } from '../../helpers/api.js'
import { ACCOUNT, AUTH, VIDEOS, build, downloadsPath, sharedApp } from '../../helpers/build.js'

async function admin (app: FastifyInstance, method: string, path: string, payload?: object, headers: Record<string, string> = {}): Promise<{ statusCode: number, headers: Record<string, unknown>, body: any }> {
  const res = await app.inject({ method: method as InjectOptions['method'], url: `/__mock${path}`, headers, ...(payload === undefined ? {} : { payload }) })
  return { statusCode: res.statusCode, headers: res.headers, body: res.body === '' ? undefined : res.json() }
}

const success = (result: unknown): object => ({ result, success: true, errors: [], messages: [] })
const failure = (code: number, message: string): object => ({ result: null, success: false, errors: [{ code, message }], messages: [] })

t.test('validation errors are 400 envelopes naming the field', async (t) => {
  const app = await sharedApp()
  const cases: Array<[string, string, object, string[]]> = [
    ['POST', '/clock/advance', { ms: -1 }, ['body.ms: must be >= 0']],
    ['POST', '/clock/advance', { ms: 1.5 }, ['body.ms: must be integer']],
    ['POST', '/clock/advance', { ms: 31_536_000_001 }, ['body.ms: must be <= 31536000000']],
    ['POST', '/clock/advance', {}, ['body.ms: must have required property \'ms\'']],
    ['POST', '/clock/advance', { ms: 1, speed: 2 }, ['body.speed: must NOT have additional properties']],
    ['POST', '/clock/advance', { ms: -1, x: 1 }, ['body.x: must NOT have additional properties', 'body.ms: must be >= 0']],
    ['POST', '/clock/advance', { ms: 1, account: 'nope' }, ['body.account: must match pattern "^[0-9a-f]{32}$"']],
    ['POST', '/clock/freeze', { acount: ACCOUNT }, ['body.acount: must NOT have additional properties']],
    ['PUT', '/clock/rate', { rate: 1001 }, ['body.rate: must be <= 1000']],
    ['PUT', '/clock/rate', {}, ['body.rate: must have required property \'rate\'']],
    ['PATCH', `/videos/${VIDEOS.ready}/downloads/default`, { holdAt: 101 }, ['body.holdAt: must be <= 100']],
    ['PATCH', `/videos/${VIDEOS.ready}/downloads/default`, { failAt: 'x' }, ['body.failAt: must be number']],
    ['PATCH', `/videos/${VIDEOS.ready}/downloads/default`, { speed: -1 }, ['body.speed: must be >= 0']],
    ['PUT', `/videos/${VIDEOS.ready}/downloads/audio`, { percentComplete: 101 }, ['body.percentComplete: must be <= 100']],
    ['PUT', `/videos/${VIDEOS.ready}/downloads/audio`, { colour: 'red' }, ['body.colour: must NOT have additional properties']]
  ]
  for (const [method, path, payload, messages] of cases) {
    const res = await admin(app, method, path, payload)
    t.equal(res.statusCode, 400, `${method} ${path} ${JSON.stringify(payload)}`)
    t.strictSame(res.body, { result: null, success: false, errors: messages.map((message) => ({ code: 10400, message })), messages: [] })
  }
  t.strictSame((await admin(app, 'GET', '/clock?account=1')).body, failure(10400, 'querystring.account: must match pattern "^[0-9a-f]{32}$"'))
  t.strictSame((await admin(app, 'GET', '/clock?acount=1')).body, failure(10400, 'querystring.acount: must NOT have additional properties'))
  t.strictSame((await admin(app, 'GET', '/clock')).body.result.nowMs, 0, 'no refused request moved the clock')
  t.strictSame((await admin(app, 'GET', `/videos/${VIDEOS.ready}`)).body.result.downloads.audio, { status: 'ready', percentComplete: 100, model: 'time', speed: 10, step: 25 })

  const text = await app.inject({ method: 'POST', url: '/__mock/reset', headers: { 'content-type': 'text/plain' }, payload: 'all' })
  t.equal(text.statusCode, 415)
  t.equal(text.json().errors[0].code, 6003)
})

t.test('the admin API reads JSON bodies as the Cloudflare surface does, but refuses prototype keys', async (t) => {
  const app = await sharedApp()
  const raw = async (payload: string): Promise<{ statusCode: number, body: any }> => {
    const res = await app.inject({ method: 'POST', url: '/__mock/clock/advance', headers: { 'content-type': 'application/json' }, payload })
    return { statusCode: res.statusCode, body: res.json() }
  }
  t.strictSame(await raw('{"ms": 5}'), { statusCode: 200, body: success({ clock: { scope: 'global', nowMs: 5, frozen: false, rate: 1, tickMs: 1000, ticking: false }, transitions: 0, videos: (await admin(app, 'GET', '/videos')).body.result.videos }) })
  t.strictSame(await raw('  '), { statusCode: 400, body: failure(10400, 'body.ms: must have required property \'ms\'') }, 'an empty body is no body')
  t.strictSame((await app.inject({ method: 'POST', url: '/__mock/reset', headers: { 'content-type': 'application/json' }, payload: '' })).json(), success({ reset: 'all', videos: 6 }))
  const notAnObject = { result: null, success: false, errors: [{ code: 6007, message: 'Malformed JSON in request body' }, { code: 6008, message: 'The request body must be a JSON object' }], messages: [] }
  for (const payload of ['null', '"x"', '5', '[{"ms":5}]']) t.strictSame(await raw(payload), { statusCode: 400, body: notAnObject }, payload)
  t.strictSame(await raw('{"ms":'), { statusCode: 400, body: failure(6007, 'Malformed JSON in request body') })
  t.strictSame(await raw('{"ms":1,"__proto__":{"ms":2}}'), { statusCode: 400, body: failure(10400, 'body: $.__proto__: forbidden key (prototype keys are refused)') })
  t.strictSame(await raw('{"ms":1,"prototype":1}'), { statusCode: 400, body: failure(10400, 'body: $.prototype: forbidden key (prototype keys are refused)') })
  t.equal((await admin(app, 'GET', '/clock')).body.result.nowMs, 0, 'only the first advance ran')
})

t.test('an unknown admin route is a 404 that points to the OpenAPI document', async (t) => {
  const app = await sharedApp()
  const nope = await admin(app, 'GET', '/nope?x=1')
  t.equal(nope.statusCode, 404)
  t.strictSame(nope.body, failure(10404, 'No admin route GET /__mock/nope; see /__mock/openapi.json'))
  t.strictSame((await admin(app, 'DELETE', '/clock')).body, failure(10404, 'No admin route DELETE /__mock/clock; see /__mock/openapi.json'), 'a method the path lacks')
  t.strictSame((await admin(app, 'POST', '')).body, failure(10404, 'No admin route POST /__mock; see /__mock/openapi.json'))
  // (GET /__mock is the dashboard's: a redirect to /__mock/, see dashboard.test.ts.)
})

t.test('an unknown admin route is answered before its body is read; a path beside the prefix is not the admin API\'s', async (t) => {
  const app = await sharedApp()
  const broken = await app.inject({ method: 'POST', url: '/__mock/nope', headers: { 'content-type': 'application/json' }, payload: '{"videos":' })
  t.equal(broken.statusCode, 404)
  t.strictSame(broken.json(), failure(10404, 'No admin route POST /__mock/nope; see /__mock/openapi.json'))
  const beside = await app.inject({ method: 'GET', url: '/__mockery' })
  t.equal(beside.statusCode, 400, 'Cloudflare\'s "Could not route"')
  t.equal(beside.json().errors[0].code, 7003)
})

t.test('with an admin token, every admin request without it is a 401 that reveals nothing', async (t) => {
  const app = await build(t, { config: { adminToken: 's3cret' } })
  const right = { 'x-mock-admin-token': 's3cret' }
  t.equal((await admin(app, 'POST', '/clock/advance', { ms: 500 }, right)).statusCode, 200)
  const requests: Array<[string, string, object?]> = [
    ['GET', '/clock'],
    ['GET', '/openapi.json'],
    ['GET', '/fixture-schema.json'],
    ['GET', '/nope'],
    // (GET /__mock and /__mock/ are the dashboard's public shell, which holds no data: dashboard.test.ts.)
    ['POST', ''],
    ['GET', '/videos/not-an-id'],
    ['POST', '/reset', {}],
    ['POST', '/reset'],
    ['POST', '/nope', { anything: true }],
    ['POST', '/fixtures', { videos: [{ id: 'x' }] }],
    ['POST', '/clock/advance', { ms: 1000 }],
    ['DELETE', '/clock'],
    ['DELETE', `/videos/${VIDEOS.ready}`],
    ['OPTIONS', '/clock'],
    ['GET', '/journal'],
    ['GET', '/faults']
  ]
  const denied = failure(10401, 'The admin API needs the X-Mock-Admin-Token header with the configured MOCK_ADMIN_TOKEN')
  const wrong: Array<Record<string, string>> = [{}, { 'x-mock-admin-token': 'S3CRET' }, { 'x-mock-admin-token': 's3cret ' }, { 'x-mock-admin-token': '' }, { authorization: 'Bearer s3cret' }]
  for (const headers of wrong) {
    for (const [method, path, payload] of requests) {
      const res = await admin(app, method, path, payload, headers)
      t.equal(res.statusCode, 401, `${method} /__mock${path} with ${JSON.stringify(headers)}`)
      t.strictSame(res.body, denied)
      t.equal(res.headers.allow, undefined)
    }
  }
  const malformed = await app.inject({ method: 'POST', url: '/__mock/fixtures', headers: { 'content-type': 'application/json' }, payload: '{"videos":' })
  t.equal(malformed.statusCode, 401, 'the token is checked before the body is read')
  const head = await app.inject({ method: 'HEAD', url: '/__mock/clock' })
  t.equal(head.statusCode, 401)
  t.equal(head.body, '')
  t.equal((await admin(app, 'GET', '/clock', undefined, right)).body.result.nowMs, 500, 'nothing was reset or advanced')
  t.equal((await admin(app, 'GET', `/videos/${VIDEOS.ready}`, undefined, right)).statusCode, 200, 'nor deleted')

  t.strictSame((await admin(app, 'GET', '/clock', undefined, right)).body, success({ scope: 'global', nowMs: 500, frozen: false, rate: 1, tickMs: 1000, ticking: false }))
  const openapi = await admin(app, 'GET', '/openapi.json', undefined, right)
  t.equal(openapi.statusCode, 200)
  t.equal(openapi.body.openapi, '3.0.3')
  t.strictSame((await admin(app, 'GET', '/nope', undefined, right)).body, failure(10404, 'No admin route GET /__mock/nope; see /__mock/openapi.json'))
  t.strictSame((await admin(app, 'POST', '/reset', undefined, right)).body, success({ reset: 'all', videos: 6 }))
  t.equal((await admin(app, 'POST', '/reset', { account: 'x' }, right)).statusCode, 400, 'then validated as usual')

  const served = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(served.statusCode, 200, 'the Cloudflare surface needs no admin token')
  const prefer = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, prefer: 'code=503', ...right } })
  t.equal(prefer.statusCode, 503, 'Prefer with the admin token is honoured')
  const anonymous = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: right })
  t.strictSame(anonymous.body.errors, [{ code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' }], 'nor is the admin token a Cloudflare credential')
})

t.test('admin off: /__mock/* is an unknown route like any other, and Prefer is ignored', async (t) => {
  const app = await build(t, { config: { admin: 'off' } })
  for (const [method, path] of [['GET', '/__mock/clock'], ['GET', '/__mock/openapi.json'], ['POST', '/__mock/reset'], ['GET', '/__mock']] as const) {
    const res = await api(t, app, { method, url: path })
    t.equal(res.statusCode, 400, `${method} ${path}`)
    t.strictSame(res.body, {
      result: null,
      success: false,
      errors: [
        { code: 7003, message: `Could not route to /client/v4${path}, perhaps your object identifier is invalid?` },
        { code: 7000, message: 'No route for that URI' }
      ],
      messages: []
    })
  }
  const prefer = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, prefer: 'code=503' } })
  t.equal(prefer.statusCode, 200)
  t.equal(prefer.body.result.default.status, 'ready')
  t.equal(app.mock.journal.list()[0]?.forced, undefined, 'not forced')
})

t.test('GET /__mock/openapi.json describes the admin API only, with its request schemas', async (t) => {
  const app = await sharedApp()
  const res = await admin(app, 'GET', '/openapi.json')
  t.equal(res.statusCode, 200)
  const doc = res.body
  t.equal(doc.openapi, '3.0.3')
  t.equal(doc.info.title, 'stream-downloads-mock admin API')
  t.strictSame(doc.components.securitySchemes, { adminToken: { type: 'apiKey', in: 'header', name: 'X-Mock-Admin-Token' } })
  t.strictSame(Object.keys(doc.paths).sort(), [
    '/__mock/accounts',
    '/__mock/accounts/{account}',
    '/__mock/clock',
    '/__mock/clock/advance',
    '/__mock/clock/freeze',
    '/__mock/clock/rate',
    '/__mock/clock/resume',
    '/__mock/coverage',
    '/__mock/defaults',
    '/__mock/events',
    '/__mock/faults',
    '/__mock/faults/{id}',
    '/__mock/fixture-schema.json',
    '/__mock/fixtures',
    '/__mock/journal',
    '/__mock/polling/{video}',
    '/__mock/reset',
    '/__mock/videos',
    '/__mock/videos/{video}',
    '/__mock/videos/{video}/downloads/{type}',
    '/__mock/videos/{video}/lifecycle',
    '/__mock/videos/{video}/on-create/{type}',
    '/__mock/wait',
    '/__mock/webhooks/deliveries',
    '/__mock/webhooks/deliveries/{id}',
    '/__mock/webhooks/deliveries/{id}/redeliver'
  ], 'no Cloudflare route, no /healthz, no media, not the document itself')
  t.strictSame(Object.keys(doc.paths['/__mock/videos/{video}/downloads/{type}']).sort(), ['delete', 'patch', 'put'])
  t.strictSame(Object.keys(doc.paths['/__mock/videos/{video}']).sort(), ['delete', 'get', 'put'])
  t.strictSame(Object.keys(doc.paths['/__mock/accounts/{account}']).sort(), ['delete', 'get', 'put'])

  const advance = doc.paths['/__mock/clock/advance'].post
  t.same(advance.tags, ['clock'])
  const body = advance.requestBody.content['application/json'].schema
  t.strictSame(body.required, ['ms'])
  t.equal(body.additionalProperties, false)
  t.match(body.properties.ms, { type: 'integer', minimum: 0, maximum: 31_536_000_000 })
  t.match(body.properties.account, { type: 'string', pattern: '^[0-9a-f]{32}$' })
  t.ok(advance.responses['200'], 'the answer is described')

  const patch = doc.paths['/__mock/videos/{video}/downloads/{type}'].patch.requestBody.content['application/json'].schema
  t.match(patch.properties.holdAt, { type: 'number', nullable: true, minimum: 0, maximum: 100 }, 'null in OpenAPI 3.0 terms')
  t.match(patch.properties.failAt, { type: 'number', nullable: true })
  const params = doc.paths['/__mock/videos/{video}/downloads/{type}'].put.parameters
  t.strictSame(params.map((param: { in: string, name: string }) => `${param.in}:${param.name}`).sort(), ['path:type', 'path:video'])
  const reset = doc.paths['/__mock/reset'].post.requestBody.content['application/json'].schema
  t.match(reset.properties.account, { pattern: '^[0-9a-f]{32}$' })
  t.ok(doc.paths['/__mock/faults'].post.requestBody.content['application/json'].schema.properties.status)
  // The admin API's own /__mock/accounts aside.
  t.notOk(/\/accounts\/\{account_id\}|\/client\/v4|\/stream/.test(JSON.stringify(doc).replaceAll('/__mock/accounts/', '')), 'no trace of the Cloudflare surface')
})

t.test('a bad choice among constants is one error listing the choices', async (t) => {
  const app = await sharedApp()
  const res = await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.ready}/downloads/video`, payload: { model: 'fast' } })
  t.equal(res.statusCode, 400)
  t.same(res.json().errors, [{ code: 10400, message: 'params.type: must be one of "default", "audio"' }])
  const body = await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.ready}/downloads/default`, payload: { model: 'fast', speed: -1 } })
  t.same(body.json().errors, [
    { code: 10400, message: 'body.model: must be one of "time", "polls", "manual", "immediate"' },
    { code: 10400, message: 'body.speed: must be >= 0' }
  ])
})

t.test('bodies are taken as sent (no type conversion); query strings are converted', async (t) => {
  const app = await sharedApp()
  const nullFail = await app.inject({ method: 'PUT', url: `/__mock/videos/${VIDEOS.empty}/downloads/default`, payload: { failAt: null } })
  t.equal(nullFail.statusCode, 400, 'null is not a fail point at 0')
  t.same(nullFail.json().errors, [{ code: 10400, message: 'body.failAt: must be number' }])
  const text = await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.inProgress}/downloads/default`, payload: { percentComplete: '50' } })
  t.same(text.json().errors, [{ code: 10400, message: 'body.percentComplete: must be number' }])
  for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  const limited = await app.inject({ method: 'GET', url: '/__mock/journal?limit=2' })
  t.equal(limited.json().result.entries.length, 2, '?limit=2 is read as a number')
})

t.test('with an admin token set, Prefer is honoured only with the token, and the journal notes one it ignored', async (t) => {
  const app = await build(t, { config: { adminToken: 's3cret' } })
  const right = { 'x-mock-admin-token': 's3cret' }
  const url = downloadsPath(VIDEOS.ready)
  const cases: Array<[string, Record<string, string>, number]> = [
    ['no admin token', {}, 200],
    ['a wrong admin token', { 'x-mock-admin-token': 'guess' }, 200],
    ['a longer one', { 'x-mock-admin-token': 's3cret-and-more' }, 200],
    ['the admin token', right, 503]
  ]
  for (const [name, headers, status] of cases) {
    const res = await api(t, app, { method: 'GET', url, headers: { ...AUTH, prefer: 'code=503', ...headers } })
    t.equal(res.statusCode, status, name)
  }
  const created = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: { ...AUTH, prefer: 'code=429' } })
  t.equal(created.statusCode, 200, 'on the routes with a hook too')
  const plain = await api(t, app, { method: 'GET', url, headers: AUTH })
  t.equal(plain.statusCode, 200)
  const journal = (await admin(app, 'GET', '/journal', undefined, right)).body.result.entries
  t.same(journal.map((entry: Record<string, unknown>) => [entry.status, entry.forced, entry.preferIgnored]), [
    [200, undefined, 503],
    [200, undefined, 503],
    [200, undefined, 503],
    [503, 'prefer', undefined],
    [200, undefined, 429],
    [200, undefined, undefined]
  ])
})

t.test('without an admin token, Prefer is honoured as before', async (t) => {
  const app = await build(t)
  const res = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: { ...AUTH, prefer: 'code=503' } })
  t.equal(res.statusCode, 503)
})
