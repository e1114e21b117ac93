import t from 'tap'
import { ClockBook, GLOBAL_CLOCK, newClock } from '../../src/domain/clock-book.js'

const A = 'a'.repeat(32)
const B = 'b'.repeat(32)

t.test('accounts follow the global clock until they detach', async (t) => {
  const book = new ClockBook(newClock(), {})
  t.equal(book.keyOf(A), GLOBAL_CLOCK)
  t.equal(book.keyOf(undefined), GLOBAL_CLOCK)
  book.tick(1000)
  t.equal(book.now(A), 1000)
  t.ok(book.detach(A))
  t.notOk(book.detach(A), 'detaching twice changes nothing')
  t.equal(book.keyOf(A), A)
  t.equal(book.now(A), 1000, 'an account clock starts as a copy of the global one')
  book.anchor(book.clockOf(A))
  book.clockOf(A).frozen = true
  book.tick(500)
  t.equal(book.now(A), 1000)
  t.equal(book.now(B), 1500)
  t.equal(book.now(), 1500)
  t.ok(book.attach(A))
  t.notOk(book.attach(A))
  t.equal(book.now(A), 1500, 'attached again: global time')
})

t.test('rate scales ticks; rate 0 stands still', async (t) => {
  const book = new ClockBook({ nowMs: 0, frozen: false, rate: 2.5 }, { [A]: { nowMs: 10, frozen: false, rate: 0 } })
  book.tick(100)
  t.equal(book.now(), 250)
  t.equal(book.now(A), 10)
  book.anchor(book.clockOf(A))
  book.clockOf(A).rate = 1
  book.tick(100)
  t.equal(book.now(A), 110)
  t.equal(book.now(), 500, 'one step of 200 and two of 100 agree')
  t.equal(book.elapsedMs, 200)
})

t.test('following the wall clock: time is derived from the anchor, never ticked', async (t) => {
  let wall = 10_000
  const book = new ClockBook(newClock(100), { [A]: { nowMs: 0, frozen: true, rate: 1 } }, () => wall)
  t.notOk(book.following)
  wall += 500
  t.equal(book.now(), 100, 'not following: the wall does not move it')
  book.follow(true)
  book.follow(true)
  t.ok(book.following)
  wall += 250
  t.equal(book.now(), 350, 'anchored when following began: downtime does not count')
  t.equal(book.now(A), 0, 'a frozen clock stands')
  book.global.rate = 2
  t.equal(book.now(), 600, 'the rate scales the wall time since the anchor')
  book.global.rate = 1
  book.anchor(book.global)
  t.equal(book.global.nowMs, 350, 'an anchor writes the reading down')
  wall += 100
  t.equal(book.now(), 450)
  t.ok(book.detach(B))
  t.equal(book.now(B), 450, 'a new account clock starts at the global reading')
  wall += 100
  t.same([book.now(), book.now(B)], [550, 550], 'and runs on from its own anchor')
  t.same(book.readings(), { global: { nowMs: 550, frozen: false, rate: 1 }, accounts: { [A]: { nowMs: 0, frozen: true, rate: 1 }, [B]: { nowMs: 550, frozen: false, rate: 1 } } }, 'every reading, for a snapshot')
  book.follow(false)
  wall += 1000
  t.same([book.now(), book.now(B)], [550, 550], 'stopped: the readings stay where they were')
  book.follow(true)
  wall += 50
  t.same([book.now(), book.now(B)], [600, 600], 'following again: the time stopped does not count')
  t.equal(book.clockAt(GLOBAL_CLOCK), book.global)
  t.equal(book.clockAt(B), book.accounts[B])
})
