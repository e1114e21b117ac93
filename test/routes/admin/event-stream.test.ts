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
