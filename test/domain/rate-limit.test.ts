import t from 'tap'
import { RateBudget, rateLimitHeader } from '../../src/domain/rate-limit.js'

t.test('a fixed window per key, started by its first request; the least recently used key goes first', async (t) => {
  const budget = new RateBudget(2, 10, 2)
  t.same(budget.take('a', 0), { remaining: 1, resetS: 10, limited: false })
  t.same(budget.take('a', 4500), { remaining: 0, resetS: 6, limited: false })
  t.same(budget.take('a', 9999), { remaining: 0, resetS: 1, limited: true })
  t.same(budget.take('a', 10_000), { remaining: 1, resetS: 10, limited: false }, 'a new window')
  budget.take('b', 10_000)
  budget.take('a', 10_001)
  budget.take('c', 10_002)
  t.equal(budget.size, 2)
  t.same(budget.take('b', 10_003), { remaining: 1, resetS: 10, limited: false }, 'b was forgotten: a new window')
  t.equal(budget.policy(), '"default";q=2;w=10')
  t.equal(rateLimitHeader({ remaining: 3, resetS: 4, limited: false }), '"default";r=3;t=4')
})
