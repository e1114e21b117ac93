import t from 'tap'
import type { FastifyInstance } from 'fastify'
import type { MockEvent } from '../../src/domain/events.js'
import { EventBus, type EventSubscriber } from '../../src/plugins/events.js'
import { ACCOUNT, AUTH, VIDEOS, build, downloadsPath } from '../helpers/build.js'

const A = '0000000000000000000000000000000a'

/** A subscriber that keeps what it is handed. */
function collector (filter: EventSubscriber['filter'] = {}): EventSubscriber & { events: MockEvent[], ended: boolean } {
  const subscriber = { filter, events: [] as MockEvent[], ended: false, deliver: (event: MockEvent) => { subscriber.events.push(event) }, end: () => { subscriber.ended = true } }
  return subscriber
}

const freeze = { type: 'clock.change', change: 'freeze', nowMs: 0, frozen: true, rate: 1 } as const

t.test('the bus hands each event to the streams it concerns, and replays the ring', async (t) => {
  const bus = new EventBus({ ringSize: 2, maxStreams: 2, wallClock: () => 0 })
  bus.publish(freeze)
  const all = collector()
  const other = collector({ account: A, types: ['fault.taken'] })
  t.same(bus.subscribe(all), { replay: { events: [], gap: false } }, 'no Last-Event-ID: no replay')
  t.match(bus.subscribe(other, 0), { replay: { events: [], gap: false } }, 'the replay is filtered too')
  t.equal(bus.subscribe(collector()), false, 'past maxStreams')
  t.equal(bus.streams, 2)
  bus.publish(freeze)
  t.same(all.events.map((event) => event.id), [2])
  t.same(other.events, [])
  bus.unsubscribe(other)
  bus.unsubscribe(other)
  t.equal(bus.streams, 1)
  const again = collector()
  bus.publish(freeze)
  t.match(bus.subscribe(again, 0), { replay: { events: [{ id: 2 }, { id: 3 }], gap: true } })
  bus.close()
  t.ok(all.ended && again.ended, 'close ends every stream')
  t.equal(bus.streams, 0)
  t.equal(bus.subscribe(collector()), false, 'nothing opens after close')
})

t.test('journal entries are built only while a stream asks for them', async (t) => {
  const bus = new EventBus()
  t.equal(bus.wantsJournal, false)
  const journal = collector({ types: ['journal.entry'] })
  bus.subscribe(journal)
  t.equal(bus.wantsJournal, true)
  const event = bus.publish({ type: 'journal.entry', seq: 1, method: 'GET', path: '/', status: 200 })
  t.same(journal.events, [event])
  t.equal(bus.ring.size, 0, 'live only: the journal keeps them')
  bus.unsubscribe(journal)
  t.equal(bus.wantsJournal, false)
})

t.test('publishEntry: a journal entry is built only for the streams and waits that need it whole, once', async (t) => {
  const bus = new EventBus({ wallClock: () => 0 })
  let builds = 0
  const input = (seq: number) => () => {
    builds++
    return { type: 'journal.entry' as const, account: ACCOUNT, seq, method: 'GET', path: '/', status: 200 }
  }
  bus.publishEntry(ACCOUNT, undefined, 1, 5000, input(1))
  t.equal(builds, 0, 'no stream, no wait: nothing built')
  const counted: number[] = []
  const holding: EventSubscriber = { filter: { types: ['journal.entry'] }, deliver: () => {}, deliverEntry: (entry) => { counted.push(entry.seq) }, end: () => {} }
  bus.subscribe(holding)
  bus.publishEntry(ACCOUNT, undefined, 2, 5000, input(2))
  t.same(counted, [2])
  t.equal(builds, 0, 'a stream that only counts it builds nothing')
  const whole = collector({ types: ['journal.entry'] })
  const elsewhere = collector({ account: A, types: ['journal.entry'] })
  bus.subscribe(whole)
  bus.subscribe(elsewhere)
  const never = new AbortController().signal
  const waited = bus.wait({ event: 'journal.entry', account: ACCOUNT }, 60_000, never)
  const other = bus.wait({ event: 'fault.taken' }, 0, never)
  bus.publishEntry(ACCOUNT, VIDEOS.ready, 3, 5000, input(3))
  t.equal(builds, 1, 'built once for the stream and the wait')
  t.match(whole.events, [{ type: 'journal.entry', seq: 3, at: '1970-01-01T00:00:05.000Z' }], 'timed at the entry\'s wall time')
  t.same(elsewhere.events, [], 'another account\'s stream: not handed it')
  t.match(await waited, { kind: 'event', event: { seq: 3 } })
  t.same(await other, { kind: 'timeout' }, 'a wait on another type is not settled by it')
})

t.test('waits: an event, a probe, a timeout, a client gone, a bound, a close', async (t) => {
  const bus = new EventBus({ maxWaiters: 1 })
  const never = new AbortController().signal
  t.same(await bus.wait({ event: 'webhook.delivery' }, 0, never), { kind: 'timeout' })
  bus.probe('webhook.delivery', (condition) => condition.status === '200' ? { delivered: true } : undefined)
  t.same(await bus.wait({ event: 'webhook.delivery', status: '200' }, 1000, never), { kind: 'already', state: { delivered: true } })

  const waiting = bus.wait({ event: 'clock.change' }, 60_000, never)
  t.equal(bus.waiting, 1)
  t.equal(await bus.wait({ event: 'clock.change' }, 60_000, never), undefined, 'past maxWaiters')
  const published = bus.publish(freeze)
  t.same(await waiting, { kind: 'event', event: published })
  t.equal(bus.waiting, 0)

  const left = new AbortController()
  const leaving = bus.wait({ event: 'clock.change' }, 60_000, left.signal)
  left.abort()
  t.same(await leaving, { kind: 'gone' })

  const closing = bus.wait({ event: 'clock.change' }, 60_000, never)
  bus.close()
  t.same(await closing, { kind: 'closing' })
  t.same(await bus.wait({ event: 'clock.change' }, 60_000, never), { kind: 'closing' })
})

/** The events the app's bus publishes while `act` runs. */
async function during (app: FastifyInstance, act: () => Promise<unknown> | unknown): Promise<MockEvent[]> {
  const seen = collector({ types: ['download.transition', 'clock.change'] })
  app.mock.events.subscribe(seen)
  try {
    await act()
  } finally {
    app.mock.events.unsubscribe(seen)
  }
  return seen.events
}

const admin = async (app: FastifyInstance, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object): Promise<void> => {
  const response = await app.inject({ method, url: `/__mock${url}`, ...(payload === undefined ? {} : { payload }) })
  if (response.statusCode !== 200) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`)
}

t.test('the store tells the bus of every download and clock change', async (t) => {
  const app = await build(t)
  const cf = async (method: 'GET' | 'POST' | 'DELETE', video: string, type?: string): Promise<void> => { await app.inject({ method, url: downloadsPath(video, ACCOUNT, type), headers: AUTH }) }

  t.match(await during(app, () => cf('POST', VIDEOS.empty)), [
    { type: 'download.transition', account: ACCOUNT, video: VIDEOS.empty, downloadType: 'default', status: 'inprogress', percentComplete: 0, cause: 'created', model: 'time', speed: 10 }
  ])
  t.match(await during(app, () => admin(app, 'POST', '/clock/advance', { ms: 10_000 })), [
    { type: 'clock.change', change: 'advance', nowMs: 10_000, ms: 10_000 },
    { cause: 'settled', status: 'error', video: VIDEOS.failing, mockMs: 3000 },
    { cause: 'settled', status: 'ready', video: VIDEOS.inProgress },
    { cause: 'settled', status: 'ready', video: VIDEOS.empty, mockMs: 10_000 }
  ], 'every transition a step causes, after the step')
  t.match(await during(app, () => cf('DELETE', VIDEOS.empty)), [{ status: 'deleted', cause: 'deleted', video: VIDEOS.empty }])
  t.same(await during(app, () => cf('DELETE', VIDEOS.empty)), [], 'nothing to delete: nothing happened')

  await admin(app, 'PUT', `/videos/${VIDEOS.empty}/on-create/default`, { model: 'immediate' })
  t.match(await during(app, () => cf('POST', VIDEOS.empty)), [{ status: 'ready', cause: 'created', model: 'immediate' }])
  await admin(app, 'PUT', `/videos/${VIDEOS.empty}/on-create/audio`, { model: 'polls', step: 100 })
  await cf('POST', VIDEOS.empty, 'audio')
  t.match(await during(app, () => cf('GET', VIDEOS.empty)), [{ downloadType: 'audio', status: 'ready', cause: 'polled' }])

  t.match(await during(app, () => admin(app, 'PATCH', `/videos/${VIDEOS.ready}/downloads/default`, { status: 'error' })), [{ status: 'error', cause: 'admin', percentComplete: 100 }])
  t.match(await during(app, () => admin(app, 'PUT', `/videos/${VIDEOS.ready}/downloads/default`, { percentComplete: 20, model: 'manual' })), [{ status: 'inprogress', percentComplete: 20, cause: 'admin', model: 'manual' }])
  t.match(await during(app, () => admin(app, 'DELETE', `/videos/${VIDEOS.ready}/downloads/audio`)), [{ downloadType: 'audio', status: 'deleted' }])
  t.match(await during(app, () => admin(app, 'PUT', `/videos/${VIDEOS.ready}`, { account: ACCOUNT, downloads: { audio: { status: 'ready' } } })), [{ downloadType: 'audio', status: 'ready', cause: 'admin' }], 'a video put announces the downloads it holds')
  t.match(await during(app, () => admin(app, 'DELETE', `/videos/${VIDEOS.ready}`)), [{ downloadType: 'default', status: 'deleted' }, { downloadType: 'audio', status: 'deleted' }], 'a video deleted: each type')

  t.match(await during(app, () => admin(app, 'POST', '/clock/freeze', { account: A })), [{ type: 'clock.change', account: A, change: 'freeze', frozen: true }])
  t.match(await during(app, () => admin(app, 'POST', '/clock/resume', { account: A })), [{ change: 'resume', frozen: false }])
  t.match(await during(app, () => admin(app, 'PUT', '/clock/rate', { rate: 5 })), [{ change: 'rate', rate: 5 }])
  const accountReset = await during(app, () => admin(app, 'POST', '/reset', { account: ACCOUNT }))
  t.match(accountReset.filter((event) => event.type === 'clock.change'), [{ account: ACCOUNT, change: 'reset', rate: 5 }], 'the account follows the global clock again')
  t.same(new Set(accountReset.flatMap((event) => event.type === 'download.transition' ? [event.cause] : [])), new Set(['deleted', 'admin']), 'its videos deleted, then its fixtures\' put back')
  t.match(await during(app, () => admin(app, 'POST', '/reset')), [{ type: 'clock.change', change: 'reset', nowMs: 0, rate: 1 }], 'a whole reset: one event')
})

t.test('a step that settles more than the log\'s 20 lines announces every transition', async (t) => {
  const videos = Array.from({ length: 30 }, (_, index) => ({ id: index.toString(16).padStart(32, 'c'), account: A, downloads: { default: { percentComplete: 50 } } }))
  const app = await build(t, { fixtures: { videos } })
  const events = await during(app, () => admin(app, 'POST', '/clock/advance', { ms: 60_000 }))
  t.equal(events.filter((event) => event.type === 'download.transition').length, 30)
})
