/**
 * The kill loop, for longer than `npm test` runs it: start the server on a data file, drive heavy
 * write traffic at it, SIGKILL it at a random moment, restart it on the same file and check that
 * the file parses, the server starts cleanly, and every change acknowledged more than the
 * documented window (1 s) before the kill is there. Prints a summary; exit code 1 on any failure.
 *
 *   ITERATIONS=100 node --import tsx scripts/kill-loop.ts     (npm run kill-loop)
 *
 * KILL_AFTER_MS=min,max sets how long the traffic runs before each kill (default 300,2500).
 * KILL_VIDEOS=n adds n videos (another account's) before the first kill, to measure the window
 * with a large store. Leave room under MOCK_MAX_VIDEOS (100,000) for the bundled fixtures and the
 * videos the workers create (8 an iteration), e.g. KILL_VIDEOS=99000 with 100 iterations.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DURABILITY_WINDOW_MS, FLUSH_DELAY_MS, KillLoop, type LostChange } from '../test/helpers/child-server.js'

function numberFrom (name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: expected a positive integer, got ${process.env[name]}`)
  return value
}

async function main (): Promise<number> {
  const iterations = numberFrom('ITERATIONS', 100)
  const [min = 300, max = 2500] = (process.env.KILL_AFTER_MS ?? '').split(',').filter((part) => part !== '').map(Number)
  const dir = mkdtempSync(join(tmpdir(), 'kill-loop-'))
  const dataFile = join(dir, 'data.json')
  const pending: Array<() => unknown> = []
  const loop = new KillLoop({ dataFile, killAfterMs: [min, max], teardown: { teardown: (fn) => { pending.push(fn) } } })
  const failures: string[] = []
  const lost: LostChange[] = []
  let beyondWindow = 0
  let acknowledged = 0
  let requests = 0
  let maxRewritesPerSecond = 0
  let coalescingFailures = 0
  const startTimes: number[] = []
  const out = (line: string): void => { process.stdout.write(`${line}\n`) }

  try {
    const first = await loop.start()
    startTimes.push(first.startMs)
    const extra = Number(process.env.KILL_VIDEOS ?? 0)
    if (extra > 0) {
      const account = 'b'.repeat(32)
      const videos = Array.from({ length: extra }, (_, n) => ({ id: `e${n.toString(16).padStart(31, '0')}`, account, downloads: { default: { speed: 0.0001 } } }))
      const added = await fetch(`${loop.serverUrl}/__mock/fixtures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ videos }) })
      if (added.status !== 200) throw new Error(`KILL_VIDEOS: POST /__mock/fixtures answered ${added.status}: ${await added.text()}`)
      loop.expect(videos.map((video) => video.id))
      out(`added ${extra} videos`)
    }
    if (!first.startedCleanly) failures.push(`first start: not clean (${JSON.stringify(first.healthz)})`)
    for (let i = 1; i <= iterations; i++) {
      const burst = await loop.burst()
      acknowledged += burst.acknowledged
      requests += burst.requests
      maxRewritesPerSecond = Math.max(maxRewritesPerSecond, burst.rewrites / (burst.durationMs / 1000))
      if (burst.rewrites > burst.durationMs / FLUSH_DELAY_MS + 2) coalescingFailures++
      for (const line of [...burst.unexpected, ...burst.serverErrors]) failures.push(`iteration ${i}: ${line}`)
      const check = await loop.start()
      startTimes.push(check.startMs)
      lost.push(...check.lost)
      if (!check.fileParses) failures.push(`iteration ${i}: the data file does not parse: ${check.parseError}`)
      if (!check.startedCleanly) failures.push(`iteration ${i}: the restart was not clean (${JSON.stringify(check.healthz)})`)
      beyondWindow += check.beyondWindow.length
      for (const change of check.beyondWindow) failures.push(`iteration ${i}: lost beyond the window: ${change.change}, acknowledged ${change.ageMs} ms before the kill`)
      for (const anomaly of check.anomalies) failures.push(`iteration ${i}: ${anomaly}`)
      const maxAge = Math.max(0, ...check.lost.map((change) => change.ageMs))
      out(`iteration ${i}/${iterations}: ${burst.durationMs} ms of traffic, ${burst.acknowledged} acknowledged, ${burst.rewrites} rewrites, killed; restart ${check.startMs} ms, ${check.lost.length} lost (max age ${maxAge} ms)${check.tempFileLeft ? ', temporary file left' : ''}`)
    }
    const stop = await loop.stop()
    if (stop.exit.code !== 0) failures.push(`SIGTERM: exit ${JSON.stringify(stop.exit)}`)
    failures.push(...stop.anomalies)
  } finally {
    for (const fn of pending) await fn()
    rmSync(dir, { recursive: true, force: true })
  }
  if (coalescingFailures > 0) failures.push(`${coalescingFailures} bursts wrote the file more than once per flush delay`)

  const maxLossAge = Math.max(0, ...lost.map((change) => change.ageMs))
  out('')
  out(`iterations:                  ${iterations}`)
  out(`requests sent:               ${requests}`)
  out(`changes acknowledged:        ${acknowledged}`)
  out(`changes lost in the window:  ${lost.length - beyondWindow}`)
  out(`changes lost beyond it:      ${beyondWindow} (window ${DURABILITY_WINDOW_MS} ms)`)
  out(`max observed loss age:       ${maxLossAge} ms`)
  out(`max rewrites per second:     ${maxRewritesPerSecond.toFixed(1)} (flush delay ${FLUSH_DELAY_MS} ms)`)
  out(`server start:                ${Math.min(...startTimes)}-${Math.max(...startTimes)} ms`)
  out(failures.length === 0 ? 'result:                      ok' : `result:                      ${failures.length} failures`)
  for (const failure of failures) out(`  ${failure}`)
  return failures.length === 0 ? 0 : 1
}

main().then((code) => { process.exitCode = code }, (error: unknown) => {
  process.stderr.write(`kill-loop: ${(error as Error).stack ?? String(error)}\n`)
  process.exitCode = 1
})
