import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import t from 'tap'
import type { MockEvent } from '../../../src/domain/events.js'
import { EventStream, MAX_PENDING_BYTES, frameOf } from '../../../src/routes/admin/event-stream.js'

/** A response that keeps what is written, and says its buffer is full while `full`. */
class FakeResponse extends EventEmitter {
  written: string[] = []
  ended = false
  full = false
  status = 0
  writeHead (status: number): this {
    this.status = status
    return this
  }

  write (chunk: string): boolean {
    this.written.push(chunk)
    return !this.full
  }

  end (): void {
    this.ended = true
  }
}

const turn = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }
const event = (id: number, detail = ''): MockEvent => ({ id, at: '2026-01-01T00:00:00.000Z', type: 'clock.change', change: 'freeze', nowMs: 0, frozen: true, rate: 1, ...(detail === '' ? {} : { detail }) } as MockEvent)

t.test('events queued in one turn are written together; a frame is made once', async (t) => {
  const raw = new FakeResponse()
  let ended = 0
  const stream = new EventStream(raw as unknown as ServerResponse, {}, 60_000, () => { ended++ })
  stream.start()
  t.equal(raw.status, 200)
  t.same(raw.written, ['retry: 1000\n\n'])
  const first = event(1)
  stream.deliver(first)
  stream.deliver(event(2))
  t.equal(raw.written.length, 1, 'nothing written before the turn ends')
  await turn()
  t.equal(raw.written.length, 2)
  t.equal(raw.written[1], frameOf(first) + frameOf(event(2)))
  t.equal(frameOf(first), frameOf(first))
  t.match(frameOf(first), /^id: 1\nevent: clock.change\ndata: \{.*\}\n\n$/)
  stream.end()
  stream.end()
  t.ok(raw.ended)
  t.equal(ended, 1, 'onEnd once')
  stream.deliver(event(3))
  await turn()
  t.equal(raw.written.length, 2, 'nothing after the end')
})

t.test('a full socket: queued until drain', async (t) => {
  const raw = new FakeResponse()
  const stream = new EventStream(raw as unknown as ServerResponse, {}, 60_000, () => {})
  stream.start()
  raw.full = true
  stream.deliver(event(1))
  await turn()
  stream.deliver(event(2))
  await turn()
  t.equal(raw.written.length, 2, 'blocked: the second waits')
  raw.full = false
  raw.emit('drain')
  t.equal(raw.written.length, 3)
  t.equal(raw.written[2], frameOf(event(2)))
  raw.emit('close')
  stream.deliver(event(3))
  await turn()
  t.equal(raw.written.length, 3, 'a closed connection ends the stream')
})

t.test('a client too slow to read gets a gap and is cut off', async (t) => {
  const raw = new FakeResponse()
  let ended = false
  const stream = new EventStream(raw as unknown as ServerResponse, {}, 60_000, () => { ended = true })
  stream.start()
  raw.full = true
  const big = 'x'.repeat(64 * 1024)
  for (let id = 1; id * big.length <= MAX_PENDING_BYTES + big.length; id++) stream.deliver(event(id, big))
  t.ok(ended)
  t.ok(raw.ended)
  t.match(raw.written.at(-1), /^event: gap\ndata: \{"type":"gap","reason":"slow-client"/)
})

t.test('heartbeats', async (t) => {
  const raw = new FakeResponse()
  const stream = new EventStream(raw as unknown as ServerResponse, {}, 5, () => {})
  stream.start()
  while (!raw.written.includes(': heartbeat\n\n')) await turn()
  stream.end()
  t.pass('a heartbeat comment came')
})

const entry = (id: number, seq: number): MockEvent => ({ id, at: '2026-01-01T00:00:00.000Z', type: 'journal.entry', seq, method: 'GET', path: '/x', status: 200 } as MockEvent)
const frames = (raw: FakeResponse): Array<Record<string, unknown>> =>
  raw.written.join('').split('\n\n').filter((frame) => frame.includes('data: ')).map((frame) => JSON.parse(frame.slice(frame.indexOf('data: ') + 6)))
const windowOpen = (stream: EventStream): boolean => (stream as unknown as { journalTimer: unknown }).journalTimer !== undefined

t.test('journal entries are coalesced: the first at once, then the latest of a window standing for the rest', async (t) => {
  const raw = new FakeResponse()
  const stream = new EventStream(raw as unknown as ServerResponse, {}, 60_000, () => {}, 5)
  stream.start()
  stream.deliver(entry(1, 1))
  for (let seq = 2; seq <= 4; seq++) stream.deliver(entry(seq, seq))
  stream.deliver(event(5))
  await turn()
  t.match(frames(raw), [{ type: 'journal.entry', seq: 1 }, { type: 'clock.change', id: 5 }], 'the first entry and other events at once; the next entries held')
  t.equal(frames(raw)[0]?.coalesced, undefined)
  while (frames(raw).length < 3) await turn()
  t.same(frames(raw)[2], { ...entry(4, 4), coalesced: 3, firstSeq: 2 }, 'then the latest, saying how many it stands for')
  t.match(raw.written.at(-1), /^id: 4\nevent: journal.entry\n/)
  while (windowOpen(stream)) await turn()
  stream.deliver(entry(6, 6))
  await turn()
  t.match(frames(raw)[3], { seq: 6 }, 'after a quiet window, at once again')
  t.equal(frames(raw)[3]?.coalesced, undefined)
  stream.deliver(entry(7, 7))
  stream.end()
  t.notOk(windowOpen(stream), 'the end clears the window')
  t.equal(frames(raw).length, 4, 'what is held when the stream ends is dropped (the journal has it)')
})
