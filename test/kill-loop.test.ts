import t from 'tap'
import { join } from 'node:path'
import { DURABILITY_WINDOW_MS, FLUSH_DELAY_MS, KillLoop } from './helpers/child-server.js'

/**
 * The durability promise of MOCK_DATA_FILE, under `kill -9`: the server, a child process on a
 * data file, is SIGKILLed in the middle of heavy write traffic (new videos taken through their
 * stages, fixture downloads created and deleted, the clock stepped), several times on the same
 * file. Each time the file parses, the server starts cleanly on it, and every change acknowledged
 * more than DURABILITY_WINDOW_MS before the kill is there; writes are coalesced meanwhile.
 * Three kills keep `npm test` short; scripts/kill-loop.ts (npm run kill-loop, ITERATIONS) runs
 * the same loop 100 times.
 */
const ITERATIONS = 3

// Four children (tsx, no coverage), each about a second to start, more on a loaded machine
// (hence .taprc's timeout).

t.test(`SIGKILL in the middle of write traffic, ${ITERATIONS} times on the same data file`, async (t) => {
  const dataFile = join(t.testdir({}), 'data.json')
  // Past the window, so every burst has changes the kill must not lose.
  const loop = new KillLoop({ dataFile, killAfterMs: [DURABILITY_WINDOW_MS + 300, DURABILITY_WINDOW_MS + 1000], teardown: t })
  const first = await loop.start()
  t.ok(first.startedCleanly, `the first start seeds the file from the fixtures (listening after ${first.startMs} ms)`)
  t.match(first.healthz, { status: 'ok', videos: 6 })

  let lost = 0
  let maxLossAge = 0
  let acknowledged = 0
  let rewrites = 0
  for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
    const burst = await loop.burst()
    const at = `burst ${iteration}`
    t.same(burst.unexpected, [], `${at}: every request answered 200 until the kill`)
    t.same(burst.serverErrors, [], `${at}: no error logged`)
    // One write per flush delay at most (the rename of the temporary file onto the data file),
    // never one per change; and at least one while running, not only on close.
    t.ok(burst.rewrites >= 1, `${at}: written while running (${burst.rewrites} rewrites)`)
    t.ok(burst.rewrites <= burst.durationMs / FLUSH_DELAY_MS + 2, `${at}: writes coalesced (${burst.rewrites} rewrites, ${burst.acknowledged} changes acknowledged in ${burst.durationMs} ms)`)
    acknowledged += burst.acknowledged
    rewrites += burst.rewrites

    const check = await loop.start()
    t.ok(check.fileParses, `${at}: the data file parses${check.parseError === undefined ? '' : `: ${check.parseError}`}`)
    t.ok(check.startedCleanly, `${at}: the server restarts cleanly on it (listening after ${check.startMs} ms)`)
    t.ok(check.olderThanWindow > 0, `${at}: ${check.olderThanWindow} changes acknowledged more than ${DURABILITY_WINDOW_MS} ms before the kill`)
    t.same(check.beyondWindow, [], `${at}: none of them is lost`)
    t.same(check.anomalies, [], `${at}: no state nobody asked for, earlier bursts' videos intact`)
    lost += check.lost.length
    maxLossAge = Math.max(maxLossAge, ...check.lost.map((change) => change.ageMs))
  }
  // Heavy traffic: the server busy with many changes at once, written far fewer times.
  t.ok(rewrites * 10 <= acknowledged, `far fewer writes than changes (${rewrites} for ${acknowledged})`)
  t.comment(`${lost} changes lost within the window over ${ITERATIONS} kills; max loss age ${maxLossAge} ms`)

  const stop = await loop.stop()
  t.same(stop.exit, { code: 0, signal: null }, 'SIGTERM closes the last one gracefully')
  t.same(stop.anomalies, [], 'and its file holds everything, with no temporary file left')
})
