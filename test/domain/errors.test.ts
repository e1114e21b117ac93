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
