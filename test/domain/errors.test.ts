import t from 'tap'
import { Errors, MockError } from '../../src/domain/errors.js'

t.test('forStatus: the catalogue entry of a status, or one made for it', async (t) => {
  t.same(Errors.forStatus(429).errors, [{ code: 971, message: 'Please wait and consider throttling your request speed' }])
  t.same(Errors.forStatus(503).errors, [{ code: 10503, message: 'Service temporarily unavailable' }])
  t.same(Errors.forStatus(418).errors, [{ code: 10418, message: 'HTTP 418' }])
  t.same(Errors.forStatus(404, 'gone').errors, [{ code: 10404, message: 'gone' }])
})

t.test('a MockError carries status, errors and headers; its message lists the errors', async (t) => {
  const error = Errors.methodNotAllowed('PUT', ['GET', 'POST'])
  t.type(error, MockError)
  t.equal(error.statusCode, 405)
  t.same(error.headers, { allow: 'GET, POST' })
  t.equal(error.message, '10000: PUT method not allowed for the api_token authentication scheme')
  t.same(new MockError(400, [{ code: 1000, message: 'x' }]).headers, {})
})

t.test('the admin API\'s entries', async (t) => {
  t.same(Errors.invalidInput({ field: 'body.ms', problem: 'must be >= 0' }, { field: 'body.x', problem: 'must NOT have additional properties' }).errors, [
    { code: 10400, message: 'body.ms: must be >= 0' },
    { code: 10400, message: 'body.x: must NOT have additional properties' }
  ], 'one error per field')
  const none = Errors.invalidInput()
  t.equal(none.statusCode, 400)
  t.same(none.errors, [{ code: 10400, message: 'Bad request' }], 'never an envelope without an error')
  t.same(Errors.invalidDocument({ file: 'body', jsonPath: '$.videos[0].id', problem: 'p' }).errors, [{ code: 10400, message: 'body: $.videos[0].id: p' }])
  t.match(Errors.resetRefused({ file: 'f.json', jsonPath: '$', problem: 'p' }), { statusCode: 409, errors: [{ code: 10409, message: 'reset refused, nothing changed: the fixtures no longer load: f.json: $: p' }] })
  t.match(Errors.videoExists('v'), { statusCode: 409, errors: [{ code: 10409, message: 'video v exists; PUT /__mock/videos/v replaces it' }] })
  t.match(Errors.noVideo('v'), { statusCode: 404, errors: [{ code: 10404, message: 'no video v' }] })
  t.match(Errors.noDownload('v', 'audio'), { statusCode: 404, errors: [{ code: 10404, message: 'video v has no audio download' }] })
  t.match(Errors.noAdminRoute('GET', '/__mock/x'), { statusCode: 404, errors: [{ code: 10404, message: 'No admin route GET /__mock/x; see /__mock/openapi.json' }] })
  t.match(Errors.adminTokenRequired(), { statusCode: 401, errors: [{ code: 10401 }] })
})

t.test('forced: a fault rule\'s errors, or the catalogue\'s for the status', async (t) => {
  t.same(Errors.forced(503).errors, [{ code: 10503, message: 'Service temporarily unavailable' }])
  t.same(Errors.forced(503).headers, {})
  const own = Errors.forced(429, { 'retry-after': '2' }, [{ code: 1, message: 'mine' }])
  t.match(own, { statusCode: 429, headers: { 'retry-after': '2' }, errors: [{ code: 1, message: 'mine' }] })
})
