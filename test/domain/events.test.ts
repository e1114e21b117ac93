import t from 'tap'
import { EventRing, conditionMet, eventMatches, type MockEventInput } from '../../src/domain/events.js'

const A = '0000000000000000000000000000000a'
const B = '0000000000000000000000000000000b'
const V = '00000000000000000000000000000001'
const W = '00000000000000000000000000000002'

const transition = (account: string, video: string, status: 'ready' | 'error' = 'ready'): MockEventInput =>
  ({ type: 'download.transition', account, video, downloadType: 'default', status, percentComplete: 100, mockMs: 0, cause: 'settled' })
const globalClock: MockEventInput = { type: 'clock.change', change: 'freeze', nowMs: 0, frozen: true, rate: 1 }
const journal: MockEventInput = { type: 'journal.entry', seq: 1, method: 'GET', path: '/', status: 200 }

t.test('the ring numbers events from 1, keeps the last `limit`, and says what is gone', async (t) => {
  t.throws(() => new EventRing(0), RangeError)
  const ring = new EventRing(3)
  t.equal(ring.lastId, 0)
  t.equal(ring.oldestId, undefined)
  t.same(ring.since(0), { events: [], gap: false }, 'nothing yet, nothing missed')
  const first = ring.add(transition(A, V), Date.UTC(2026, 0, 1))
  t.match(first, { id: 1, at: '2026-01-01T00:00:00.000Z', type: 'download.transition' })
  for (let i = 0; i < 4; i++) ring.add(transition(A, V), 0)
  t.equal(ring.size, 3)
  t.equal(ring.oldestId, 3)
  t.equal(ring.lastId, 5)
  t.same(ring.since(3).events.map((event) => event.id), [4, 5])
  t.equal(ring.since(2).gap, false, 'everything after 2 is still kept')
  t.equal(ring.since(1).gap, true, 'event 2 is gone')
  t.same(ring.since(1).events.map((event) => event.id), [3, 4, 5])
  t.equal(ring.since(5).gap, false)
  t.equal(ring.since(99).gap, true, 'an id this ring never gave (a server started again)')
  const live = ring.add(journal, 0, false)
  t.equal(live.id, 6, 'a live-only event is numbered')
  t.equal(ring.size, 3, 'and not kept')
  t.same(ring.since(5), { events: [], gap: false })
})

t.test('a filter keeps its account and video, and events that concern every account or video', async (t) => {
  t.ok(eventMatches(transition(A, V), {}))
  t.notOk(eventMatches(journal, {}), 'journal entries are opt-in')
  t.ok(eventMatches(journal, { types: ['journal.entry'] }))
  t.notOk(eventMatches(transition(A, V), { types: ['clock.change'] }))
  t.ok(eventMatches(transition(A, V), { account: A }))
  t.notOk(eventMatches(transition(B, V), { account: A }))
  t.ok(eventMatches(globalClock, { account: A }), 'the global clock moves every account')
  t.ok(eventMatches(transition(A, V), { video: V }))
  t.notOk(eventMatches(transition(A, W), { video: V }))
  t.ok(eventMatches({ ...globalClock, account: A }, { video: V }), 'a clock change names no video')
})

t.test('a wait\'s condition: the type, and each field it names, exactly', async (t) => {
  const condition = { event: 'download.transition' as const, account: A, video: V, type: 'default' as const, status: 'ready' }
  t.ok(conditionMet(transition(A, V), condition))
  t.notOk(conditionMet(transition(B, V), condition))
  t.notOk(conditionMet(transition(A, W), condition))
  t.notOk(conditionMet({ ...transition(A, V), downloadType: 'audio' } as MockEventInput, condition))
  t.notOk(conditionMet(transition(A, V, 'error'), condition))
  t.notOk(conditionMet(globalClock, { event: 'download.transition' }))
  t.ok(conditionMet(globalClock, { event: 'clock.change' }))
  t.notOk(conditionMet(globalClock, { event: 'clock.change', account: A }), 'the global clock is no account\'s own')
  t.ok(conditionMet({ type: 'webhook.delivery', account: A, url: 'http://x', status: 200, attempt: 1 }, { event: 'webhook.delivery', status: '200' }), 'a numeric status compares as text')
})
