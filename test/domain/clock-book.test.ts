import t from 'tap'
import { ClockBook, GLOBAL_CLOCK, newClock } from '../../src/domain/clock-book.js'

const A = 'a'.repeat(32)
const B = 'b'.repeat(32)

t.test('accounts follow the global clock until they detach', async (t) => {
  const book = new ClockBook(newClock(), {})
  t.equal(book.keyOf(A), GLOBAL_CLOCK)
  t.equal(book.keyOf(undefined), GLOBAL_CLOCK)
  t.same(book.tick(1000), [GLOBAL_CLOCK])
  t.equal(book.now(A), 1000)
  t.ok(book.detach(A))
  t.notOk(book.detach(A), 'detaching twice changes nothing')
  t.equal(book.keyOf(A), A)
  t.equal(book.now(A), 1000, 'an account clock starts as a copy of the global one')
  book.clockOf(A).frozen = true
  t.same(book.tick(500), [GLOBAL_CLOCK], 'a frozen clock does not move')
  t.equal(book.now(A), 1000)
  t.equal(book.now(B), 1500)
  t.equal(book.now(), 1500)
  t.ok(book.attach(A))
  t.notOk(book.attach(A))
  t.equal(book.now(A), 1500, 'attached again: global time')
})

t.test('rate scales ticks; rate 0 stands still', async (t) => {
  const book = new ClockBook({ nowMs: 0, frozen: false, rate: 2.5 }, { [A]: { nowMs: 10, frozen: false, rate: 0 } })
  t.same(book.tick(100), [GLOBAL_CLOCK])
  t.equal(book.now(), 250)
  t.equal(book.now(A), 10)
  book.clockOf(A).rate = 1
  t.same(book.tick(100), [GLOBAL_CLOCK, A])
  t.equal(book.now(A), 110)
})
