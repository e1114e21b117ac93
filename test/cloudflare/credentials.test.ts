import t from 'tap'
import { checkCredentials } from '../../src/cloudflare/credentials.js'

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
