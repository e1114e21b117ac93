import t from 'tap'
import { checkCredentials, credentialCheck } from '../../src/plugins/auth.js'

const ON = { auth: 'on', apiTokens: [] } as const
const codeOf = (failure: ReturnType<typeof checkCredentials>): number | undefined => failure?.errors[0]?.code

t.test('checkCredentials: Bearer, or X-Auth-Email with X-Auth-Key', async (t) => {
  t.equal(checkCredentials({ authorization: 'Bearer abc' }, ON), undefined)
  t.equal(checkCredentials({ 'x-auth-email': 'a@example.com', 'x-auth-key': 'k' }, ON), undefined)
  t.equal(codeOf(checkCredentials({}, ON)), 9106, 'none at all')
  t.equal(codeOf(checkCredentials({ 'x-auth-email': 'a@example.com' }, ON)), 9106, 'an e-mail without a key')
  t.equal(codeOf(checkCredentials({ authorization: 'Basic abc' }, ON)), 6003, 'not Bearer')
  t.equal(codeOf(checkCredentials({ authorization: 'Bearer abc' }, { auth: 'on', apiTokens: ['xyz'] })), 9109, 'not an accepted token')
  t.equal(checkCredentials({}, { auth: 'off', apiTokens: [] }), undefined, 'MOCK_AUTH=off')
})

t.test('credentialCheck answers as checkCredentials, remembering only an accepted Authorization', async (t) => {
  const settings = { auth: 'on', apiTokens: ['good-token'] } as const
  const check = credentialCheck(settings)
  const cases = [
    { authorization: 'Bearer good-token' },
    { authorization: 'Bearer good-token' },
    { authorization: 'Bearer bad-token' },
    { authorization: 'Bearer bad-token' },
    { authorization: 'Bearer good-token' },
    { authorization: ' ', 'x-auth-email': 'a@example.com', 'x-auth-key': 'k' },
    { authorization: ' ' },
    { authorization: 'Basic x' },
    {}
  ]
  for (const headers of cases) t.same(codeOf(check(headers)), codeOf(checkCredentials(headers, settings)), JSON.stringify(headers))
})
