import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { startApp, type StartedApp } from '../../../src/start.js'
import type { StartOptions } from '../../../src/start.js'
import { ACCOUNT, AUTH, OTHER_ACCOUNT, VIDEOS, build, downloadsPath } from '../../helpers/build.js'
import { until } from '../../helpers/wait.js'

interface TapLike { teardown: (fn: () => unknown) => void }

interface Frame { id?: string, event?: string, data?: any, comment?: string, retry?: string }

/** Reads a Server-Sent Events answer frame by frame. */
class Frames {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>
  private readonly decoder = new TextDecoder()
  private text = ''

  constructor (response: Response) {
    this.reader = (response.body as ReadableStream<Uint8Array>).getReader()
  }

  /** The next frame, or undefined once the stream has ended. */
  async next (): Promise<Frame | undefined> {
    for (;;) {
      const end = this.text.indexOf('\n\n')
      if (end !== -1) {
        const block = this.text.slice(0, end)
        this.text = this.text.slice(end + 2)
        const frame: Frame = {}
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) frame.comment = line.slice(1).trim()
          else {
            const [field, ...rest] = line.split(': ')
            const value = rest.join(': ')
            if (field === 'data') frame.data = JSON.parse(value)
            else (frame as Record<string, string>)[field as string] = value
          }
        }
        return frame
      }
      const { value, done } = await this.reader.read()
      if (done) return undefined
      this.text += this.decoder.decode(value, { stream: true })
    }
  }

  /** The next frame that is an event (not a comment or the retry field). */
  async event (): Promise<Frame | undefined> {
    for (;;) {
      const frame = await this.next()
      if (frame === undefined || frame.event !== undefined) return frame
    }
  }

  async cancel (): Promise<void> {
    await this.reader.cancel()
  }
}

async function start (t: TapLike, options: StartOptions = {}): Promise<StartedApp> {
  const started = await startApp({ autoTick: false, ...options })
  t.teardown(() => started.close())
  return started
}

async function stream (started: StartedApp, query = '', headers: Record<string, string> = {}): Promise<Frames> {
  const response = await fetch(`${started.url}/__mock/events${query}`, { headers })
  if (response.status !== 200) throw new Error(`events: ${response.status} ${await response.text()}`)
  return new Frames(response)
}

const inject = async (app: FastifyInstance, method: 'GET' | 'POST', url: string, payload?: object): Promise<{ statusCode: number, headers: Record<string, unknown>, body: any }> => {
  const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) })
  return { statusCode: response.statusCode, headers: response.headers, body: response.json() }
}

t.test('a stream: the retry field, then the events its filter keeps', async (t) => {
  const started = await start(t)
  const { app, url } = started
  const all = await stream(started)
  t.match(await all.next(), { retry: '1000' })
  const mine = await stream(started, `?account=${ACCOUNT}&video=${VIDEOS.empty}&types=download.transition,journal.entry`)
  await fetch(`${url}${downloadsPath(VIDEOS.empty)}`, { method: 'POST', headers: AUTH })
  await inject(app, 'POST', '/__mock/clock/freeze', { account: OTHER_ACCOUNT })
  const created = await all.event()
  t.match(created, { id: '1', event: 'download.transition', data: { id: 1, type: 'download.transition', account: ACCOUNT, video: VIDEOS.empty, status: 'inprogress', cause: 'created' } })
  t.match(created?.data.at, /^\d{4}-\d\d-\d\dT/)
  t.match(await all.event(), { event: 'clock.change', data: { account: OTHER_ACCOUNT, change: 'freeze' } }, 'not the journal entry (id 2 or 3, as the answer is journaled once sent)')
  t.match(await mine.event(), { event: 'download.transition', data: { id: 1 } })
  t.match(await mine.event(), { event: 'journal.entry', data: { type: 'journal.entry', seq: 1, method: 'POST', status: 200, account: ACCOUNT, video: VIDEOS.empty, downloads: { default: 'inprogress' } } }, 'journal entries when asked for; not the other account\'s clock')
  await all.cancel()
  await mine.cancel()
  await until(() => app.mock.events.streams === 0)
  t.pass('a client that leaves closes its stream')
})

t.test('a fault taken is an event', async (t) => {
  const started = await start(t)
  const events = await stream(started, '?types=fault.taken')
  await inject(started.app, 'POST', '/__mock/faults', { match: { video: VIDEOS.ready }, status: 503, times: 1 })
  await fetch(`${started.url}${downloadsPath(VIDEOS.ready, ACCOUNT, 'audio')}`, { method: 'DELETE', headers: AUTH })
  t.match(await events.event(), { event: 'fault.taken', data: { account: ACCOUNT, video: VIDEOS.ready, downloadType: 'audio', method: 'DELETE', status: 503, ruleId: String } })
  await inject(started.app, 'POST', '/__mock/faults', { match: { video: VIDEOS.ready }, drop: true, latencyMs: 1, times: 1 })
  await fetch(`${started.url}${downloadsPath(VIDEOS.ready)}`, { headers: AUTH }).catch(() => undefined)
  t.match(await events.event(), { data: { drop: true, latencyMs: 1, method: 'GET' } })
  await events.cancel()
})

t.test('Last-Event-ID resumes from the ring, and a gap says what is gone', async (t) => {
  const started = await start(t)
  const { app } = started
  const empty = await stream(started, '', { 'last-event-id': '7' })
  t.match(await empty.event(), { event: 'gap', data: { lastEventId: 7, oldestId: null, lastId: 0 } }, 'a server that sent nothing yet')
  await empty.cancel()
  for (let i = 0; i < 3; i++) app.mock.events.publish({ type: 'clock.change', change: 'freeze', nowMs: i, frozen: true, rate: 1 })
  const resumed = await stream(started, '', { 'last-event-id': '1' })
  t.match(await resumed.event(), { id: '2' })
  t.match(await resumed.event(), { id: '3' })
  await resumed.cancel()
  const byQuery = await stream(started, '?lastEventId=2')
  t.match(await byQuery.event(), { id: '3' }, 'lastEventId in the query, for a client that cannot set headers')
  await byQuery.cancel()

  for (let i = 0; i < app.mock.events.ring.limit; i++) app.mock.events.publish({ type: 'clock.change', change: 'freeze', nowMs: i, frozen: true, rate: 1 })
  const late = await stream(started, '', { 'last-event-id': '1' })
  t.match(await late.event(), { id: undefined, event: 'gap', data: { type: 'gap', reason: 'gone', lastEventId: 1, oldestId: 4, lastId: 1003 } })
  t.match(await late.event(), { id: '4' }, 'then what the ring keeps')
  await late.cancel()
  const future = await stream(started, '', { 'last-event-id': '5000' })
  t.match(await future.event(), { event: 'gap', data: { lastEventId: 5000 } }, 'an id this server never gave')
  await future.cancel()
})

t.test('bad input, the bound, the admin token', async (t) => {
  const app = await build(t)
  const badType = await inject(app, 'GET', '/__mock/events?types=download.transition,nope')
  t.equal(badType.statusCode, 400)
  t.match(badType.body.errors[0].message, /^querystring\.types: unknown event type "nope"/)
  const badId = await app.inject({ method: 'GET', url: '/__mock/events', headers: { 'last-event-id': 'x' } })
  t.equal(badId.statusCode, 400)
  t.match(badId.json().errors[0].message, /^headers\.last-event-id: /)
  ;(app.mock.events as { maxStreams: number }).maxStreams = 0
  const full = await inject(app, 'GET', '/__mock/events')
  t.equal(full.statusCode, 409)
  t.match(full.body.errors[0], { code: 10409, message: 'at most 0 event streams are open at once; close one' })

  const guarded = await build(t, { config: { adminToken: 'secret' } })
  t.equal((await guarded.inject({ method: 'GET', url: '/__mock/events' })).statusCode, 401)
  t.equal((await guarded.inject({ method: 'GET', url: '/__mock/wait' })).statusCode, 401)
})

t.test('heartbeats keep an idle stream open', async (t) => {
  const started = await start(t, { eventHeartbeatMs: 10 })
  const frames = await stream(started)
  await frames.next()
  t.same(await frames.next(), { comment: 'heartbeat' })
  await frames.cancel()
})

t.test('closing the app ends the streams and answers the waits: nothing holds the close', async (t) => {
  const started = await startApp({ autoTick: false, config: { closeTimeoutMs: 60_000 } })
  const frames = await stream(started)
  await frames.next()
  const waiting = fetch(`${started.url}/__mock/wait?status=error&video=${VIDEOS.empty}`)
  await until(() => started.app.mock.events.waiting === 1)
  // app.close() itself, with no deadline: a stream that held it would hold the test until tap's timeout.
  await started.app.close()
  t.equal(await frames.next(), undefined, 'the stream ended')
  const answer = await waiting
  t.equal(answer.status, 503)
  t.match(await answer.json(), { success: false, errors: [{ code: 10503, message: 'the mock server is closing' }] })
})

t.test('wait: start waiting on a frozen clock, step it, the wait resolves with the transition', async (t) => {
  const app = await build(t)
  await inject(app, 'POST', '/__mock/clock/freeze', { account: ACCOUNT })
  await app.inject({ method: 'POST', url: downloadsPath(VIDEOS.empty), headers: AUTH })
  const waiting = inject(app, 'GET', `/__mock/wait?video=${VIDEOS.empty}&status=ready&timeout=300000`)
  await until(() => app.mock.events.waiting === 1)
  await inject(app, 'POST', '/__mock/clock/advance', { account: ACCOUNT, ms: 10_000 })
  const answer = await waiting
  t.equal(answer.statusCode, 200)
  t.match(answer.body.result, { already: false, waitedMs: Number, event: { type: 'download.transition', video: VIDEOS.empty, status: 'ready', cause: 'settled', mockMs: 10_000 } })

  const already = await inject(app, 'GET', `/__mock/wait?video=${VIDEOS.empty}&status=ready`)
  t.same(already.body.result, { already: true, waitedMs: 0, state: { account: ACCOUNT, video: VIDEOS.empty, type: 'default', status: 'ready', percentComplete: 100, mockMs: 10_000 } })
  t.match((await inject(app, 'GET', `/__mock/wait?account=${ACCOUNT}&status=error`)).body.result, { already: true, state: { video: VIDEOS.failing, status: 'error' } }, 'any download of the account')
  t.match((await inject(app, 'GET', `/__mock/wait?account=${ACCOUNT}&type=audio&status=ready`)).body.result, { already: true, state: { video: VIDEOS.ready, type: 'audio' } })
  t.match((await inject(app, 'GET', '/__mock/wait?status=ready')).body.result, { already: true }, 'any download at all')
})

t.test('wait: the timeout, bad input, the bound, a client gone', async (t) => {
  const app = await build(t)
  const timedOut = await inject(app, 'GET', `/__mock/wait?video=${VIDEOS.empty}&status=ready&timeout=0`)
  t.equal(timedOut.statusCode, 408)
  t.equal(timedOut.headers['x-should-retry'], 'false', 'not retried by the Stainless SDKs')
  t.same(timedOut.body, { result: null, success: false, errors: [{ code: 10408, message: `wait timed out after 0 ms: no download.transition event with video ${VIDEOS.empty}, status ready` }], messages: [] })
  t.match((await inject(app, 'GET', `/__mock/wait?account=${OTHER_ACCOUNT}&video=${VIDEOS.ready}&status=ready&timeout=0`)).body.errors[0].message, /account ffff.*, video/, 'the video is another account\'s: it never holds')
  t.match((await inject(app, 'GET', `/__mock/wait?video=${VIDEOS.failsOnCreate}&status=deleted&timeout=0`)).statusCode, 408, 'deleted waits for the event')
  t.equal((await inject(app, 'GET', '/__mock/wait?video=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee&status=ready&timeout=0')).statusCode, 408, 'a video that does not exist (yet)')
  t.match((await inject(app, 'GET', '/__mock/wait?event=clock.change&timeout=0')).body.errors[0].message, 'wait timed out after 0 ms: no clock.change event')
  const badStatus = await inject(app, 'GET', '/__mock/wait?status=done')
  t.equal(badStatus.statusCode, 400)
  t.match(badStatus.body.errors[0].message, /^querystring\.status: a download's status is one of inprogress, ready, error, deleted/)
  t.equal((await inject(app, 'GET', '/__mock/wait?timeout=300001')).statusCode, 400)
  t.equal((await inject(app, 'GET', '/__mock/wait?event=video.transition&status=queued&timeout=0')).statusCode, 408, 'another event type takes any status')

  ;(app.mock.events as { maxWaiters: number }).maxWaiters = 0
  const full = await inject(app, 'GET', '/__mock/wait?event=clock.change')
  t.equal(full.statusCode, 409)
  t.match(full.body.errors[0], { code: 10409, message: 'at most 0 waits are waiting at once' })
})

t.test('wait: a client that leaves stops waiting', async (t) => {
  const started = await start(t)
  const left = new AbortController()
  const waiting = fetch(`${started.url}/__mock/wait?event=clock.change`, { signal: left.signal }).catch((error: Error) => error.name)
  await until(() => started.app.mock.events.waiting === 1)
  left.abort()
  t.equal(await waiting, 'AbortError')
  await until(() => started.app.mock.events.waiting === 0)
  t.pass('the wait is gone')
})
