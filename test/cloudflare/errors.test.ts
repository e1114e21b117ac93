import { request as httpRequest } from 'node:http'
import t from 'tap'
import { startMock } from '../../src/index.js'
import { answerClientError, toMockError } from '../../src/plugins/envelope.js'
import { api } from '../helpers/api.js'
import { ACCOUNT, AUTH, VIDEOS, build, downloadsPath } from '../helpers/build.js'

const routeError = (path: string): unknown => [
  { code: 7003, message: `Could not route to /client/v4${path}, perhaps your object identifier is invalid?` },
  { code: 7000, message: 'No route for that URI' }
]

t.test('malformed ids, unknown types and unknown routes: 400 with 7003 and 7000', async (t) => {
  const app = await build(t)
  const cases = [
    `/accounts/${ACCOUNT}/stream/not-a-uid/downloads`,
    `/accounts/not-an-account/stream/${VIDEOS.ready}/downloads`,
    `/accounts/${ACCOUNT}/stream/${VIDEOS.ready.toUpperCase()}/downloads`,
    `/accounts/${ACCOUNT}/stream/${VIDEOS.ready}0/downloads`,
    `/accounts/${ACCOUNT}/stream/${VIDEOS.ready}/downloads/video`
  ]
  for (const path of cases) {
    // No credentials: the route check comes before the credential check.
    const res = await api(t, app, { method: 'POST', url: `/client/v4${path}?x=1` })
    t.equal(res.statusCode, 400, path)
    t.same(res.body.errors, routeError(path))
  }
  const unknown = await app.inject({ method: 'GET', url: '/client/v4/zones' })
  t.equal(unknown.statusCode, 400)
  t.same(unknown.json(), { result: null, success: false, errors: routeError('/zones'), messages: [] })
  const atRoot = await app.inject({ method: 'PATCH', url: '/nothing/here' })
  t.same(atRoot.json().errors, routeError('/nothing/here'), 'root paths are named under /client/v4 too')
  const bare = await app.inject({ method: 'GET', url: '/client/v4' })
  t.same(bare.json().errors, routeError(''))
  const badTypeWrongMethod = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready, ACCOUNT, 'video') })
  t.equal(badTypeWrongMethod.statusCode, 400, 'an unknown type is reported before the method')
})

t.test('a method the path does not have: 405 with Allow, before credentials', async (t) => {
  const app = await build(t)
  const put = await api(t, app, { method: 'PUT', url: downloadsPath(VIDEOS.ready) })
  t.equal(put.statusCode, 405)
  t.equal(put.headers.allow, 'GET, HEAD, POST, DELETE')
  t.same(put.body.errors, [{ code: 10000, message: 'PUT method not allowed for the api_token authentication scheme' }])
  const get = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready, ACCOUNT, 'audio'), headers: AUTH })
  t.equal(get.statusCode, 405)
  t.equal(get.headers.allow, 'POST, DELETE')
  const patch = await api(t, app, { method: 'PATCH', url: downloadsPath(VIDEOS.ready, ACCOUNT, 'default'), headers: { 'content-type': 'application/json' }, payload: '{broken' })
  t.equal(patch.statusCode, 405, 'the method is checked before the body is parsed')
  const badId = await api(t, app, { method: 'PUT', url: downloadsPath('bad') })
  t.equal(badId.statusCode, 400, 'a malformed id is reported before the method')
})

t.test('credentials', async (t) => {
  const app = await build(t)
  const url = downloadsPath(VIDEOS.ready)
  const none = await api(t, app, { method: 'GET', url })
  t.equal(none.statusCode, 400)
  t.same(none.body.errors, [{ code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' }])
  for (const headers of [{ 'x-auth-email': 'me@example.com' }, { 'x-auth-key': 'k' }, { 'x-auth-email': ' ', 'x-auth-key': 'k' }, { authorization: '' }]) {
    const res = await api(t, app, { method: 'GET', url, headers })
    t.equal(res.body.errors[0].code, 9106, `one without the other is 9106: ${JSON.stringify(headers)}`)
  }
  const legacy = await api(t, app, { method: 'GET', url, headers: { 'x-auth-email': 'me@example.com', 'x-auth-key': 'global-key' } })
  t.equal(legacy.statusCode, 200, 'X-Auth-Email with X-Auth-Key passes')
  for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'token abc']) {
    const res = await api(t, app, { method: 'GET', url, headers: { authorization } })
    t.equal(res.statusCode, 400, authorization)
    t.same(res.body.errors, [{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }] }])
  }
  const bearer = await api(t, app, { method: 'GET', url, headers: { authorization: 'Bearer anything-goes' } })
  t.equal(bearer.statusCode, 200, 'by default any non-empty token passes')
})

t.test('MOCK_API_TOKENS limits the Bearer tokens; MOCK_AUTH=off turns checking off', async (t) => {
  const limited = await build(t, { config: { apiTokens: ['good-token', 'other-token'] } })
  const url = downloadsPath(VIDEOS.ready)
  const bad = await api(t, limited, { method: 'GET', url, headers: { authorization: 'Bearer bad-token' } })
  t.equal(bad.statusCode, 403)
  t.same(bad.body.errors, [{ code: 9109, message: 'Invalid access token' }])
  const good = await api(t, limited, { method: 'GET', url, headers: { authorization: 'Bearer other-token' } })
  t.equal(good.statusCode, 200)
  const open = await build(t, { config: { auth: 'off' } })
  const res = await api(t, open, { method: 'GET', url })
  t.equal(res.statusCode, 200)
})

t.test('bodies: malformed JSON, non-object JSON, other content types, too large', async (t) => {
  const app = await build(t)
  const url = downloadsPath(VIDEOS.empty)
  const json = { ...AUTH, 'content-type': 'application/json' }
  for (const payload of ['{bad', '{"a":', '\u00ff\u00fe', '{"a":1}}']) {
    const res = await api(t, app, { method: 'POST', url, headers: json, payload })
    t.equal(res.statusCode, 400, payload)
    t.same(res.body.errors, [{ code: 6007, message: 'Malformed JSON in request body' }])
  }
  for (const payload of ['[]', '"text"', '42', 'null', 'true']) {
    const res = await api(t, app, { method: 'POST', url, headers: json, payload })
    t.equal(res.statusCode, 400, payload)
    t.equal(res.body.errors[0].code, 6007)
    t.equal(res.body.errors[1].message, 'The request body must be a JSON object')
  }
  const noAuth = await api(t, app, { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{bad' })
  t.equal(noAuth.body.errors[0].code, 9106, 'credentials are checked before the body')
  const text = await api(t, app, { method: 'POST', url, headers: { ...AUTH, 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(text.statusCode, 415)
  t.equal(text.body.errors[0].error_chain[0].code, 6106)
  t.match(text.body.errors[0].error_chain[0].message, /Unsupported Content-Type: text\/plain/)
  const huge = await api(t, app, { method: 'POST', url, headers: json, payload: `{"pad":"${'x'.repeat(1024 * 1024)}"}` })
  t.equal(huge.statusCode, 413)
  t.same(huge.body.errors, [{ code: 10413, message: 'Request body is larger than 1048576 bytes' }])
  const after = await api(t, app, { method: 'GET', url, headers: AUTH })
  t.same(after.body.result, {}, 'nothing was created by the refused requests')
})

t.test('internal errors are a 500 envelope without a stack', async (t) => {
  const app = await build(t)
  app.mock.store.states = () => { throw new Error('boom: internal detail') }
  const res = await api(t, app, { method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(res.statusCode, 500)
  t.same(res.body, { result: null, success: false, errors: [{ code: 10001, message: 'Internal server error' }], messages: [] })
})

t.test('framework errors map to the envelope', async (t) => {
  const withStatus = (statusCode: number, code?: string): Error => Object.assign(new Error('framework says no'), { statusCode, code })
  t.same(toMockError(withStatus(409), 10).errors, [{ code: 10409, message: 'framework says no' }], 'a 4xx keeps its status and message')
  t.equal(toMockError(withStatus(418), 10).errors[0]?.code, 10418, 'a status with no catalogue entry gets a code of its own')
  t.same(toMockError(withStatus(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'), 10).errors[0]?.error_chain?.[0]?.message, 'Unsupported Content-Type: unknown; send application/json or no body')
  const internal = toMockError(withStatus(502), 10)
  t.same([internal.statusCode, internal.errors], [500, [{ code: 10001, message: 'Internal server error' }]], '5xx from the framework is an internal error')
  t.equal(toMockError(new Error('plain'), 10).statusCode, 500)
})

t.test('headers too large and malformed requests get an envelope from the socket handler', async (t) => {
  const mock = await startMock({ port: 0 })
  t.teardown(() => mock.close())
  const { port } = new URL(mock.url)
  const send = async (headers: Record<string, string>): Promise<{ status: number, body: string }> => await new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: downloadsPath(VIDEOS.ready), headers }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => { body += chunk.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
  const big = await send({ ...AUTH, 'x-padding': 'x'.repeat(20_000) })
  t.equal(big.status, 431)
  t.same(JSON.parse(big.body).errors[0].error_chain, [{ code: 6100, message: 'Request headers are too large' }])
  const { Socket } = await import('node:net')
  const raw = await new Promise<string>((resolve) => {
    const socket = new Socket()
    let text = ''
    socket.connect(Number(port), '127.0.0.1', () => socket.write('GARBAGE\r\n\r\n'))
    socket.on('data', (chunk) => { text += chunk.toString() })
    socket.on('close', () => resolve(text))
  })
  t.match(raw, /^HTTP\/1\.1 400 Bad Request/)
  t.match(raw, /"success":false/)
  const ok = await send(AUTH)
  t.equal(ok.status, 200, 'the server keeps answering')
})

t.test('a client error on a socket that can no longer be written is just closed', async (t) => {
  let destroyed = false
  const socket = { writable: false, destroy: () => { destroyed = true } }
  answerClientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), socket as never)
  t.ok(destroyed)
})

t.test('deeply nested valid JSON is accepted like any other object body', async (t) => {
  const app = await build(t)
  const depth = 50_000
  const payload = `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`
  const res = await api(t, app, { method: 'POST', url: downloadsPath(VIDEOS.empty), headers: { ...AUTH, 'content-type': 'application/json' }, payload })
  t.equal(res.statusCode, 200)
})
