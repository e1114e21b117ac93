import t from 'tap'
import { checkCredentials } from '../../src/cloudflare/credentials.js'
import { rememberingCredentials } from '../../src/cloudflare/fast-path.js'

const codeOf = (failure: ReturnType<typeof checkCredentials>): number | undefined => failure?.errors[0]?.code

t.test('rememberingCredentials answers as checkCredentials, remembering only an accepted Authorization', async (t) => {
  const settings = { auth: 'on', apiTokens: ['good-token'] } as const
  const check = rememberingCredentials(settings)
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
