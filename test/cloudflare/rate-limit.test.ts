import t from 'tap'
import { ACCOUNT, AUTH, VIDEOS, build, downloadsPath } from '../helpers/build.js'
import { contractProblems } from '../helpers/contract.js'
import { apiErrorOf, sdkClient, startTestMock } from '../helpers/sdk.js'

t.test('every answer past the credential check carries Ratelimit and Ratelimit-Policy; by default nothing is refused', async (t) => {
  // A still wall clock: the window's seconds left (t=) do not depend on real time.
  const app = await build(t, { config: { rateLimitBudget: 2 }, wallClock: () => Date.UTC(2026, 11, 2) })
  const get = async (headers: Record<string, string> = AUTH, url = downloadsPath(VIDEOS.ready)) => await app.inject({ method: 'GET', url, headers })
  const first = await get()
  t.equal(first.headers.ratelimit, '"default";r=1;t=300')
  t.equal(first.headers['ratelimit-policy'], '"default";q=2;w=300')
  t.equal((await get(AUTH, `/client/v4/accounts/${ACCOUNT}/stream/keys`)).headers.ratelimit, '"default";r=0;t=300', 'the signing paths count too')
  const past = await get()
  t.equal(past.statusCode, 200, 'not enforced by default')
  t.equal(past.headers.ratelimit, '"default";r=0;t=300')
  t.equal((await get({ authorization: 'Bearer other-token' })).headers.ratelimit, '"default";r=1;t=300', 'a budget per token')
  t.equal((await get({ 'x-auth-email': 'a@example.com', 'x-auth-key': 'k' })).headers.ratelimit, '"default";r=1;t=300', 'and per e-mail')
  const refused = await get({})
  t.equal(refused.statusCode, 400)
  t.equal(refused.headers.ratelimit, undefined, 'refused before the credential check: not counted')
  const notFound = await get(AUTH, downloadsPath('e'.repeat(32)))
  t.equal(notFound.statusCode, 404)
  t.equal(notFound.headers.ratelimit, '"default";r=0;t=300', 'errors after the check carry them too')
})

t.test('the windows run on the wall clock: stepping the mock clock does not renew a budget, the wall clock does', async (t) => {
  let wallMs = Date.UTC(2026, 11, 2)
  const app = await build(t, { config: { rateLimit: 'on', rateLimitBudget: 1, rateLimitWindowS: 60 }, wallClock: () => wallMs })
  const get = async () => await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal((await get()).statusCode, 200)
  wallMs += 20_000
  const refused = await get()
  t.equal(refused.statusCode, 429)
  t.equal(refused.headers['retry-after'], '40', 'the seconds left of the window, on the wall clock')
  app.mock.clock.advance(3600_000)
  t.equal((await get()).statusCode, 429, 'an hour of mock time renews nothing')
  wallMs += 40_000
  const renewed = await get()
  t.equal(renewed.statusCode, 200, 'the window ended on the wall clock')
  t.equal(renewed.headers.ratelimit, '"default";r=0;t=60')
})

t.test('MOCK_RATE_LIMIT=on: past the budget, Cloudflare\'s 429 (971) with Retry-After, through the SDK too', async (t) => {
  const mock = await startTestMock(t, { config: { rateLimit: 'on', rateLimitBudget: 1, rateLimitWindowS: 60 } })
  const client = sdkClient(mock)
  await client.stream.downloads.get(VIDEOS.ready, { account_id: ACCOUNT })
  const error = await apiErrorOf(client.stream.downloads.get(VIDEOS.ready, { account_id: ACCOUNT }))
  t.equal(error.status, 429)
  t.equal(error.headers?.get('retry-after'), '60')
  t.equal(error.headers?.get('ratelimit'), '"default";r=0;t=60')
  const raw = await fetch(`${mock.apiUrl}/accounts/${ACCOUNT}/stream/${VIDEOS.ready}/downloads`, { headers: AUTH })
  const body = await raw.json() as { errors: unknown }
  t.same(body.errors, [{ code: 971, message: 'Please wait and consider throttling your request speed' }])
  t.same(contractProblems('GET', `/accounts/${ACCOUNT}/stream/${VIDEOS.ready}/downloads`, 429, body), [])
  const journal = (await mock.admin.journal({ account: ACCOUNT })).entries
  t.equal(journal.at(-1)?.retryAfterMs, 60_000, 'the journal notes the wait asked for')
})
