import t from 'tap'
import { aliveLine, clockLine, defaultsLine, finishReplay, openLine, replayLog, signingKeyLine, startReplay, videoLine, webhookLine } from '../../src/store/change-log.js'
import { FixtureError } from '../../src/seed/fixture-error.js'
import { DATA_FORMAT, type StoreHead, type VideoRecord } from '../../src/schemas/store.js'

const A = 'a'.repeat(32)
const V = '1'.repeat(32)
const record: VideoRecord = { account: A, downloads: { default: { status: 'inprogress', percent: 10, since: 0, model: 'time', speed: 10, step: 25 } }, onCreate: {} }

function replaying (head: Partial<StoreHead> = {}): { replay: ReturnType<typeof startReplay>, videos: Map<string, VideoRecord> } {
  const videos = new Map<string, VideoRecord>()
  const sink = { put: (id: string, video: VideoRecord) => { videos.set(id, video) }, delete: (id: string) => videos.delete(id) }
  return { replay: startReplay({ format: DATA_FORMAT, clock: { nowMs: 1000, frozen: false, rate: 1 }, ...head }, sink), videos }
}

t.test('a log brings videos, clocks and defaults up to date; running clocks read on to the last line', async (t) => {
  const { replay, videos } = replaying({ elapsedMs: 500 })
  replayLog(replay, [
    videoLine(600, V, record),
    clockLine(700, A, { nowMs: 50, frozen: false, rate: 2 }),
    defaultsLine(800, { speed: 3 }),
    aliveLine(1500)
  ].join(''), 'data.json.1.log')
  const head = finishReplay(replay)
  t.same(videos.get(V), record)
  t.equal(head.clock.nowMs, 2000, 'the global clock: 1000 at book time 500, read at 1500')
  t.same(head.accountClocks, { [A]: { nowMs: 50 + 2 * 800, frozen: false, rate: 2 } }, 'an account clock from its own anchor, at its rate')
  t.same(head.defaults, { speed: 3 })
  t.equal(head.elapsedMs, 0)
  t.equal(replay.lines, 4)
})

t.test('a new process starts its own book time; downtime does not count', async (t) => {
  const { replay } = replaying()
  replayLog(replay, aliveLine(3000), 'one.log')
  replayLog(replay, openLine(1_700_000_000_000) + aliveLine(200), 'two.log')
  t.equal(finishReplay(replay).clock.nowMs, 1000 + 3000 + 200)
})

t.test('deletes, clocks given back, defaults cleared, frozen clocks stand', async (t) => {
  const { replay, videos } = replaying({ accountClocks: { [A]: { nowMs: 5 } }, defaults: { speed: 2 } })
  videos.set(V, record)
  replayLog(replay, videoLine(10, V, undefined) + clockLine(10, A, undefined) + defaultsLine(10, undefined) + clockLine(20, 'global', { nowMs: 7, frozen: true, rate: 1 }) + aliveLine(9000), 'x.log')
  const head = finishReplay(replay)
  t.equal(videos.has(V), false)
  t.same(head.accountClocks, {})
  t.equal(head.defaults, undefined)
  t.same(head.clock, { nowMs: 7, frozen: true, rate: 1 })
})

t.test('a last line cut short is ignored; a bad line before it names the file and line', async (t) => {
  const { replay, videos } = replaying()
  const whole = videoLine(1, V, record)
  replayLog(replay, whole + whole.slice(0, 20), 'cut.log')
  t.equal(videos.size, 1, 'the whole line applied, the cut one ignored')
  replayLog(replay, whole + '{"f":1,"video":"nope"', 'cut-json.log')
  replayLog(replay, whole + '{"f":1,"what":1}', 'cut-shape.log')
  t.equal(replay.lines, 3)
  const bad = ((): unknown => { try { replayLog(replay, '{"f":1,\n' + whole, 'bad.log') } catch (error) { return error } })()
  t.type(bad, FixtureError)
  t.match((bad as Error).message, /^bad\.log:1: \$: invalid JSON: /)
  const wrong = ((): unknown => { try { replayLog(replay, '{"f":-1}\n' + whole, 'wrong.log') } catch (error) { return error } })()
  t.match((wrong as Error).message, /^wrong\.log:1: \$\.f: /)
  const broken = { ...record, downloads: { default: { ...record.downloads.default, status: 'ready' } } }
  const rules = ((): unknown => { try { replayLog(replay, `{"f":1,"video":"${V}","record":${JSON.stringify(broken)}}\n`, 'rules.log') } catch (error) { return error } })()
  t.equal((rules as Error).message, 'rules.log:1: $.downloads.default.percent: a ready download is at 100 (got 10)')
  const shape = ((): unknown => { try { replayLog(replay, `{"f":1,"video":"${V}","record":{"account":"${A}"}}\n`, 'shape.log') } catch (error) { return error } })()
  t.match((shape as Error).message, /^shape\.log:1: \$\.record\.downloads: missing required property|^shape\.log:1: \$\.record/)
})

t.test('signing lines: a subscription set, then deleted, and a key deleted, replay to nothing', async (t) => {
  const { replay } = replaying()
  const account = 'a'.repeat(32)
  const key = 'b'.repeat(32)
  replayLog(replay, [
    signingKeyLine(1, account, key, { created: 'x', n: 'AQAB', e: 'AQAB' }),
    webhookLine(2, account, { notificationUrl: 'http://x', secret: 's', modified: 'm' }),
    webhookLine(3, account, undefined),
    signingKeyLine(4, account, key, undefined)
  ].join(''), 'one.log')
  const head = finishReplay(replay)
  t.same(head.signing, { keys: { [account]: {} }, webhooks: {} })
})
