import t from 'tap'
import { PathTable } from '../../src/cloudflare/path-table.js'

t.test('the path table: each path\'s methods in registration order, urls matched as Fastify matches them', async (t) => {
  const paths = new PathTable()
  paths.add('/accounts/:account_id/things', 'GET')
  paths.add('/accounts/:account_id/things', ['HEAD', 'POST'])
  paths.add('/accounts/:account_id/things', 'GET')
  paths.add('/accounts/:account_id/things/:id', ['DELETE'])
  t.same(paths.find('/accounts/a1/things'), { allowed: ['GET', 'HEAD', 'POST'], params: { account_id: 'a1' } }, 'each method once')
  t.same(paths.find('/accounts/a1/things?x=1'), { allowed: ['GET', 'HEAD', 'POST'], params: { account_id: 'a1' } }, 'the query string aside')
  t.same(paths.find('/accounts/%61%31/things/7'), { allowed: ['DELETE'], params: { account_id: 'a1', id: '7' } }, 'parameters decoded')
  t.same(paths.find('/accounts/a1/things/'), { allowed: ['DELETE'], params: { account_id: 'a1', id: '' } }, 'an empty last parameter, as the app\'s router matches it')
  t.same(paths.find('/accounts//things')?.params, { account_id: '' }, 'an empty parameter too (admission then refuses the id)')
  t.equal(paths.find('/Accounts/a1/things'), undefined, 'case-sensitive')
  t.equal(paths.find(`/accounts/${'a'.repeat(101)}/things`), undefined, 'a parameter longer than Fastify\'s 100 characters')
  t.equal(paths.find('/healthz'), undefined)
})
