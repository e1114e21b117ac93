import t from 'tap'
import {
  applyPoll, floorToTenth, materialize, newDownload, nextStopAt, stateAt, stopPoint, type DownloadRecord
} from '../../src/domain/progress.js'

const timed = (over: Partial<DownloadRecord> = {}): DownloadRecord => ({
  status: 'inprogress', percent: 0, since: 0, model: 'time', speed: 10, step: 25, ...over
})

t.test('time model: percent follows elapsed mock time, one decimal, rounded down', async (t) => {
  const record = timed()
  t.same(stateAt(record, 0), { status: 'inprogress', percentComplete: 0 })
  t.same(stateAt(record, 1000), { status: 'inprogress', percentComplete: 10 })
  t.same(stateAt(record, 1234), { status: 'inprogress', percentComplete: 12.3 })
  t.same(stateAt(record, 9999), { status: 'inprogress', percentComplete: 99.9 }, 'never shows 100 before it is ready')
  t.same(stateAt(record, 10_000), { status: 'ready', percentComplete: 100 })
  t.same(stateAt(record, 60_000), { status: 'ready', percentComplete: 100 }, 'clamped at 100')
  t.same(stateAt(record, -5), { status: 'inprogress', percentComplete: 0 }, 'time before the anchor counts as none')
})

t.test('one big step and many small ones agree', async (t) => {
  const record = timed({ speed: 7, failAt: 83.3 })
  let stepped = record
  for (let now = 0; now <= 20_000; now += 250) stepped = materialize(stepped, now)
  t.same(stateAt(stepped, 20_000), stateAt(record, 20_000))
  t.same(stateAt(record, 20_000), { status: 'error', percentComplete: 83.3 })
})

t.test('fail point: error, clamped at the fail percent', async (t) => {
  const record = timed({ percent: 30, failAt: 60 })
  t.same(stateAt(record, 2999), { status: 'inprogress', percentComplete: 59.9 })
  t.same(stateAt(record, 3000), { status: 'error', percentComplete: 60 })
  t.same(stateAt(record, 50_000), { status: 'error', percentComplete: 60 })
  t.same(stateAt(timed({ percent: 70, failAt: 60 }), 0), { status: 'error', percentComplete: 70 }, 'already past its fail point: fails where it is')
  t.same(stateAt(timed({ failAt: 100 }), 10_000), { status: 'error', percentComplete: 100 }, 'a fail point at 100 beats ready')
})

t.test('hold point: stops inprogress; a fail point before it wins', async (t) => {
  t.same(stateAt(timed({ holdAt: 50 }), 60_000), { status: 'inprogress', percentComplete: 50 })
  t.same(stateAt(timed({ holdAt: 50, failAt: 40 }), 60_000), { status: 'error', percentComplete: 40 })
  t.same(stateAt(timed({ holdAt: 50, failAt: 70 }), 60_000), { status: 'inprogress', percentComplete: 50 })
  t.same(stopPoint({ ...timed({ percent: 60, holdAt: 50 }) }), { percent: 100, status: 'ready' }, 'a hold point behind the download is ignored')
})

t.test('finished downloads do not move', async (t) => {
  t.same(stateAt(timed({ status: 'ready', percent: 100 }), 99_999), { status: 'ready', percentComplete: 100 })
  t.same(stateAt(timed({ status: 'error', percent: 20 }), 99_999), { status: 'error', percentComplete: 20 })
})

t.test('polls model moves one step per read, whatever the clock', async (t) => {
  let record = timed({ model: 'polls', step: 30 })
  t.same(stateAt(record, 1_000_000), { status: 'inprogress', percentComplete: 0 })
  record = applyPoll(record, 5)
  t.same([record.status, record.percent, record.since], ['inprogress', 30, 5])
  record = applyPoll(applyPoll(applyPoll(record, 6), 7), 8)
  t.same([record.status, record.percent], ['ready', 100])
  t.equal(applyPoll(record, 9), record, 'a finished download is returned unchanged')
  const timeRecord = timed()
  t.equal(applyPoll(timeRecord, 1), timeRecord, 'other models ignore reads')
})

t.test('manual and immediate models', async (t) => {
  t.same(stateAt(timed({ model: 'manual', percent: 42 }), 99_999), { status: 'inprogress', percentComplete: 42 })
  t.same(stateAt(timed({ model: 'immediate' }), 0), { status: 'ready', percentComplete: 100 })
  const created = newDownload({ model: 'immediate', speed: 10, step: 25, failAt: 60 }, 7)
  t.same([created.status, created.percent, created.since], ['error', 60, 7])
  const timedNew = newDownload({ model: 'time', speed: 10, step: 25 }, 7)
  t.same([timedNew.status, timedNew.percent, timedNew.since], ['inprogress', 0, 7])
})

t.test('nextStopAt: when a time download reaches its stop point', async (t) => {
  t.equal(nextStopAt(timed()), 10_000)
  t.equal(nextStopAt(timed({ percent: 30, failAt: 60, since: 500 })), 3500)
  t.equal(nextStopAt(timed({ speed: 3 })), 33_334, 'rounded up to the first ms at which it is ready')
  t.same(stateAt(timed({ speed: 3 }), 33_334).status, 'ready')
  t.same(stateAt(timed({ speed: 3 }), 33_333).status, 'inprogress')
  t.equal(nextStopAt(timed({ holdAt: 40 })), 4000, 'reaching a hold point is a stop too')
  t.equal(nextStopAt(timed({ percent: 40, holdAt: 40 })), undefined, 'held: nothing more happens')
  t.equal(nextStopAt(timed({ percent: 70, failAt: 60, since: 9 })), 9, 'past its fail point: due at once')
  t.equal(nextStopAt(timed({ speed: 0 })), undefined)
  t.equal(nextStopAt(timed({ model: 'polls' })), undefined)
  t.equal(nextStopAt(timed({ status: 'ready', percent: 100 })), undefined)
})

t.test('floorToTenth absorbs floating-point error', async (t) => {
  t.equal(floorToTenth(0.1 + 0.2), 0.3)
  t.equal(floorToTenth(12.34), 12.3)
})
