import t from 'tap'
import {
  afterUpload, applyVideoPoll, defaultErrorCode, isExpired, newVideoLife, nextVideoChangeAt, pctString, settle,
  videoStateAt, ERROR_REASONS, VIDEO_STATES, type VideoLife, type VideoProgression
} from '../../src/domain/video-progress.js'

const progression = (over: Partial<VideoProgression> = {}): VideoProgression => ({
  model: 'time', downloadingMs: 2000, queuedMs: 1000, speed: 10, step: 25, ...over
})
const copied = (over: Partial<VideoProgression> = {}): VideoLife => newVideoLife(progression(over), 'downloading', 0)

t.test('time model: downloading, queued, inprogress rising, ready', async (t) => {
  const life = copied()
  t.same(videoStateAt(life, 0), { state: 'downloading', pctComplete: 0, since: 0 })
  t.same(videoStateAt(life, 1999), { state: 'downloading', pctComplete: 0, since: 0 })
  t.same(videoStateAt(life, 2000), { state: 'queued', pctComplete: 0, since: 2000 })
  t.same(videoStateAt(life, 3000), { state: 'inprogress', pctComplete: 0, since: 3000 })
  t.same(videoStateAt(life, 4234), { state: 'inprogress', pctComplete: 12.3, since: 3000 })
  t.same(videoStateAt(life, 13_000), { state: 'ready', pctComplete: 100, since: 13_000 }, 'since is readyToStreamAt')
  t.same(videoStateAt(life, 99_000), { state: 'ready', pctComplete: 100, since: 13_000 })
  t.same(nextVideoChangeAt(life), 2000)
  t.same(nextVideoChangeAt(settle(life, 2500)), 3000)
  t.same(nextVideoChangeAt(settle(life, 3500)), 13_000)
  t.equal(nextVideoChangeAt(settle(life, 13_000)), undefined, 'ready: nothing more')
})

t.test('one big step and many small ones agree', async (t) => {
  for (const over of [{}, { failAt: 'downloading' as const }, { failAt: 'queued' as const }, { failAt: 63.3, speed: 7 }, { holdAt: 40 }, { holdAt: 'queued' as const }]) {
    const life = copied(over)
    let stepped = life
    for (let now = 0; now <= 30_000; now += 250) {
      stepped = settle(stepped, now)
      t.same(videoStateAt(stepped, now), videoStateAt(life, now), `${JSON.stringify(over)} at ${now}`)
    }
    t.same(settle(stepped, 30_000), settle(life, 30_000), `${JSON.stringify(over)}: the same record`)
  }
})

t.test('fail points: the phase, its default code, or the given one', async (t) => {
  t.same(videoStateAt(copied({ failAt: 'downloading' }), 5000), { state: 'error', pctComplete: 0, since: 2000, errorReasonCode: 'ERR_FETCH_ORIGIN_ERROR' })
  t.same(videoStateAt(copied({ failAt: 'queued' }), 5000), { state: 'error', pctComplete: 0, since: 3000, errorReasonCode: 'ERR_UNKNOWN' })
  t.same(videoStateAt(copied({ failAt: 50 }), 99_000), { state: 'error', pctComplete: 50, since: 8000, errorReasonCode: 'ERR_MALFORMED_VIDEO' })
  t.same(videoStateAt(copied({ failAt: 'downloading', errorReasonCode: 'ERR_NON_VIDEO' }), 5000).errorReasonCode, 'ERR_NON_VIDEO')
  t.equal(defaultErrorCode('queued'), 'ERR_UNKNOWN')
  t.ok(ERROR_REASONS.ERR_FETCH_ORIGIN_ERROR)
  t.same(VIDEO_STATES, ['pendingupload', 'downloading', 'queued', 'inprogress', 'ready', 'error'])
})

t.test('hold points stop the video until the admin API releases it', async (t) => {
  t.same(videoStateAt(copied({ holdAt: 'downloading' }), 99_000).state, 'downloading')
  t.equal(nextVideoChangeAt(copied({ holdAt: 'downloading' })), undefined)
  t.same(videoStateAt(copied({ holdAt: 40 }), 99_000), { state: 'inprogress', pctComplete: 40, since: 7000 })
  t.equal(nextVideoChangeAt(settle(copied({ holdAt: 40 }), 99_000)), undefined)
})

t.test('immediate: at its end (or fail or hold point) at once', async (t) => {
  t.same(videoStateAt(copied({ model: 'immediate' }), 0), { state: 'ready', pctComplete: 100, since: 0 })
  t.same(videoStateAt(copied({ model: 'immediate', failAt: 30 }), 0), { state: 'error', pctComplete: 30, since: 0, errorReasonCode: 'ERR_MALFORMED_VIDEO' })
  t.same(videoStateAt(copied({ model: 'immediate', holdAt: 30 }), 0), { state: 'inprogress', pctComplete: 30, since: 0 })
})

t.test('manual: never moves by itself; polls: one step per read', async (t) => {
  const manual = copied({ model: 'manual' })
  t.same(videoStateAt(manual, 99_000).state, 'downloading')
  t.equal(applyVideoPoll(manual, 10), manual, 'a read does not move a manual video')
  t.equal(nextVideoChangeAt(manual), undefined)
  let polled = copied({ model: 'polls', step: 50 })
  const seen: string[] = []
  for (let read = 1; read <= 5; read++) {
    polled = applyVideoPoll(polled, read * 100)
    const state = videoStateAt(polled, read * 100)
    seen.push(`${state.state} ${state.pctComplete}`)
  }
  t.same(seen, ['queued 0', 'inprogress 0', 'inprogress 50', 'ready 100', 'ready 100'])
  const ready = applyVideoPoll(applyVideoPoll(applyVideoPoll(applyVideoPoll(copied({ model: 'polls', step: 50 }), 1), 2), 3), 4)
  t.equal(applyVideoPoll(ready, 5), ready, 'a ready video does not move')
  const held = copied({ model: 'polls', holdAt: 'downloading' })
  t.equal(applyVideoPoll(held, 1), held, 'held in downloading')
  const heldAt = settle(newVideoLife(progression({ model: 'polls', holdAt: 0 }), 'inprogress', 0), 0)
  t.same(videoStateAt(applyVideoPoll(heldAt, 1), 1), { state: 'inprogress', pctComplete: 0, since: 1 }, 'held at 0 percent')
  t.equal(applyVideoPoll(newVideoLife(progression({ model: 'polls' }), 'pendingupload', 0), 1).state, 'pendingupload', 'a read does not upload')
  t.same(videoStateAt(applyVideoPoll(copied({ model: 'polls', failAt: 'downloading' }), 7), 7).state, 'error')
})

t.test('direct upload: pendingupload, expiry, the upload', async (t) => {
  const reserved = newVideoLife(progression(), 'pendingupload', 0, 60_000)
  t.same(videoStateAt(reserved, 59_999).state, 'pendingupload', 'time alone does not move it')
  t.equal(nextVideoChangeAt(reserved), 60_000, 'the expiry is its next change')
  t.notOk(isExpired(reserved, 59_999))
  t.ok(isExpired(reserved, 60_000))
  t.notOk(isExpired(copied(), 99_000), 'only a reservation expires')
  const uploaded = afterUpload(reserved, 1000)
  t.equal(uploaded.expiresAt, undefined)
  t.same(videoStateAt(uploaded, 1000), { state: 'queued', pctComplete: 0, since: 1000 }, 'a direct upload skips downloading')
  t.same(videoStateAt(uploaded, 12_000), { state: 'ready', pctComplete: 100, since: 12_000 })
  t.same(videoStateAt(afterUpload(reserved, 1000, 'ERR_DURATION_EXCEED_CONSTRAINT'), 1000), { state: 'error', pctComplete: 0, since: 1000, errorReasonCode: 'ERR_DURATION_EXCEED_CONSTRAINT' })
  t.equal(afterUpload(uploaded, 2000), uploaded, 'a second upload changes nothing')
  t.same(newVideoLife(progression(), 'ready', 5), { ...progression(), state: 'ready', pct: 100, since: 5 })
})

t.test('pctComplete is a string with six decimals', async (t) => {
  t.equal(pctString(39), '39.000000')
  t.equal(pctString(12.34), '12.300000')
})
