/**
 * In-process measurements of the store at scale, in a child process of the bench (run with
 * --expose-gc), on the built app (dist/): the mock's own `buildApp` with the ticker off, ticks
 * driven by hand and timed one by one.
 *
 * - staged: 100,000 downloads in progress whose stop points are placed so that, tick after tick,
 *   0, 1, 10, 100, 1,000 and 10,000 transitions come due per tick (the rest far in the future,
 *   so the schedule stays large): the time of each tick against the transitions it recorded.
 * - burst: 100,000 downloads that all come due in the same tick.
 * - flush: the same 100,000 downloads with a data file: the time of one snapshot, the longest
 *   event-loop stall during it (what a request waiting on the server sees), the time of the one
 *   step of the writer that cannot be sliced (listing the videos, from the store's index, and,
 *   for reference, from the data's one big object as lowdb holds it), against one plain
 *   JSON.stringify of the same data (what a synchronous writer would block for), and the file's size.
 *
 * - clocks: the cost of a tick with nothing due on a store that follows the wall clock (as under
 *   the ticker), with the global clock alone and with 100,000 account clocks of their own (half
 *   frozen, half running); and the heap each account clock holds.
 *
 * argv[2]: JSON { dist: absolute path of dist/index.js, tmpDir }. Prints one JSON line (ProbeResult).
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { FixtureDocument } from '../src/index.js'
import { fixtureFinishingAt } from './lib/fixtures.js'

type MockModule = typeof import('../src/index.js')

export interface TickSample { transitions: number, ms: number }
export interface ProbeResult {
  downloads: number
  tickMs: number
  /** Every tick of the staged run, in order. */
  staged: TickSample[]
  /** The ticks with nothing due just before the burst, and the burst tick itself. */
  burst: { emptyTicks: TickSample[], tick: TickSample, trials: TickSample[] }
  /** Heap used by the store of 100,000 downloads, per download (after GC), bytes. */
  heapPerDownload: number
  flush: {
    /** Each flush, from the call to the rename of the file. */
    flushMs: number[]
    /** Each flush: the longest the event loop went without a turn (setImmediate to setImmediate). */
    maxLoopStallMs: number[]
    /** One `JSON.stringify(data)` of the same data, the reference (several times). */
    stringifyMs: number[]
    /** One `JSON.stringify(data, null, 2)`: what lowdb's own JSONFile blocked the loop for. */
    prettyStringifyMs: number[]
    /** Listing the videos as every flush does at once (it cannot be sliced): from the store's index. */
    listMs: number[]
    /** Listing them from the data's object of 100,000 keys (the writer's way before the index). */
    objectListMs: number[]
    fileBytes: number
  }
  clocks: {
    accountClocks: number
    /** Ticks with nothing due, the global clock alone. */
    oneClockMs: number[]
    /** The same with ACCOUNT_CLOCKS account clocks. */
    manyClocksMs: number[]
    /** Heap per account clock, bytes (after GC). */
    heapPerClock: number
  }
}

const DOWNLOADS = 100_000
const TICK_MS = 50
/** 0 transitions for 20 ticks (nothing can finish before 1 s of mock time), then these. */
const PHASES: Array<{ perTick: number, ticks: number }> = [
  { perTick: 1, ticks: 20 },
  { perTick: 10, ticks: 20 },
  { perTick: 100, ticks: 20 },
  { perTick: 1000, ticks: 20 },
  { perTick: 10_000, ticks: 5 }
]
const FIRST_DUE_TICK = 21
const ACCOUNT_CLOCKS = 100_000
const CLOCK_TICKS = 200

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

/** Mock time (ms) in the middle of tick `tick` (1-based) of TICK_MS each. */
const dueInTick = (tick: number): number => tick * TICK_MS - TICK_MS / 2

function stagedFinishTimes (): number[] {
  const times: number[] = []
  let tick = FIRST_DUE_TICK
  for (const phase of PHASES) {
    for (let t = 0; t < phase.ticks; t++, tick++) for (let i = 0; i < phase.perTick; i++) times.push(dueInTick(tick))
  }
  // The rest: far beyond the probe (speed 0.01 %/s), so the schedule keeps its 100,000 entries.
  while (times.length < DOWNLOADS) times.push(10_000_000)
  return times
}

function timeTick (app: FastifyInstance): TickSample {
  const start = performance.now()
  const transitions = app.mock.clock.tick()
  return { transitions, ms: performance.now() - start }
}

/**
 * Writes the staged fixture file and returns its folder. A function of its own, not inline in
 * `main`: a suspended async function may keep a dead temporary (the 100,000-video document)
 * reachable, which would count it in the heap before the build.
 */
function writeStagedFixture (folder: string): string {
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, 'staged.json'), JSON.stringify(fixtureFinishingAt(stagedFinishTimes())))
  return folder
}

async function main (): Promise<void> {
  const { dist, tmpDir } = JSON.parse(process.argv[2] ?? '') as { dist: string, tmpDir: string }
  const mock = await import(pathToFileURL(dist).href) as MockModule
  const build = async (fixtures: FixtureDocument | string, dataFile?: string) => await mock.buildApp({
    fixtures,
    logger: false,
    autoTick: false,
    flushDelayMs: 3_600_000,
    config: { tickMs: TICK_MS, logLevel: 'silent', ...(dataFile === undefined ? {} : { dataFile }) }
  })

  // Clocks first, on a fresh heap: what the sections below leave behind blurs a heap figure.
  // Clocks: ticks with nothing due, following the wall clock, with one clock and with many.
  const clockTicks = (store: { tick: (ms: number) => number }): number[] => {
    const times: number[] = []
    for (let tick = 0; tick < CLOCK_TICKS; tick++) {
      const start = performance.now()
      store.tick(TICK_MS)
      times.push(performance.now() - start)
    }
    return times
  }
  const clockApp = await build({ videos: [] })
  await clockApp.ready()
  clockApp.mock.store.follow(true)
  gc()
  const oneClockMs = clockTicks(clockApp.mock.store)
  // Twice: the first full collection can leave garbage that a finalizer frees for the second.
  gc()
  gc()
  const heapBeforeClocks = process.memoryUsage().heapUsed
  for (let n = 0; n < ACCOUNT_CLOCKS; n++) clockApp.mock.store.setClock(n % 2 === 0 ? { frozen: true } : { rate: 2 }, n.toString(16).padStart(32, '0'))
  gc()
  gc()
  const heapPerClock = (process.memoryUsage().heapUsed - heapBeforeClocks) / ACCOUNT_CLOCKS
  const manyClocksMs = clockTicks(clockApp.mock.store)
  await clockApp.close()

  // Staged: the cost of a tick against the transitions it records. From a fixture file, as the
  // server loads them: the heap held afterwards is the store's (fixtures given in memory to
  // buildApp or startMock stay held for reset, as the caller's documents).
  const stagedFolder = writeStagedFixture(join(tmpDir, 'staged-fixtures'))
  gc()
  const heapBefore = process.memoryUsage().heapUsed
  let app = await build(stagedFolder)
  await app.ready()
  gc()
  const heapPerDownload = (process.memoryUsage().heapUsed - heapBefore) / DOWNLOADS
  const totalTicks = FIRST_DUE_TICK - 1 + PHASES.reduce((sum, phase) => sum + phase.ticks, 0)
  // A GC before each phase (not before each tick: the server never forces one), so that one
  // phase's garbage is not collected during the next one's ticks.
  const phaseStarts = new Set<number>([0, FIRST_DUE_TICK - 1])
  PHASES.reduce((start, phase) => { phaseStarts.add(start + phase.ticks); return start + phase.ticks }, FIRST_DUE_TICK - 1)
  const staged: TickSample[] = []
  for (let tick = 0; tick < totalTicks; tick++) {
    if (phaseStarts.has(tick)) gc()
    staged.push(timeTick(app))
  }
  await app.close()

  // Burst: everything due in one tick (3 trials, each on a fresh store).
  const trials: TickSample[] = []
  let emptyTicks: TickSample[] = []
  for (let trial = 0; trial < 3; trial++) {
    app = await build(fixtureFinishingAt(new Array<number>(DOWNLOADS).fill(dueInTick(FIRST_DUE_TICK))))
    await app.ready()
    gc()
    const empty: TickSample[] = []
    for (let tick = 1; tick < FIRST_DUE_TICK; tick++) empty.push(timeTick(app))
    trials.push(timeTick(app))
    if (trial === 0) emptyTicks = empty
    await app.close()
  }
  const sortedTrials = [...trials].sort((a, b) => a.ms - b.ms)

  // Flush: one write of 100,000 downloads to the data file.
  const dataFile = join(tmpDir, 'probe-state.json')
  app = await build(fixtureFinishingAt(stagedFinishTimes()), dataFile)
  await app.ready()
  const flushMs: number[] = []
  const maxLoopStallMs: number[] = []
  for (let trial = 0; trial < 5; trial++) {
    gc()
    app.mock.clock.advance(TICK_MS)
    await sleep(20)
    // A snapshot, as after a reset or a big batch (a change alone is one appended line): the write
    // whose cost grows with the store.
    ;(app.mock.store as unknown as { persistence: { all: () => void } }).persistence.all()
    // A setImmediate loop turns as often as the event loop does: its longest gap is the longest
    // a request would have waited for the server's attention during the flush.
    let stall = 0
    let flushing = true
    let last = performance.now()
    const turn = (): void => {
      const now = performance.now()
      stall = Math.max(stall, now - last)
      last = now
      if (flushing) setImmediate(turn)
    }
    setImmediate(turn)
    const start = performance.now()
    await app.mock.store.flush()
    flushMs.push(performance.now() - start)
    flushing = false
    maxLoopStallMs.push(stall)
  }
  const fileBytes = statSync(dataFile).size
  // The references, on the store's own data (lowdb's, which the store keeps private): a copy
  // parsed back from the file lists and stringifies at another speed.
  const table = (app.mock.store as unknown as { table: { entries: () => Iterable<[string, unknown]> } }).table
  const data = { videos: Object.fromEntries(table.entries()) }
  const stringifyMs: number[] = []
  const prettyStringifyMs: number[] = []
  const listMs: number[] = []
  const objectListMs: number[] = []
  for (let trial = 0; trial < 5; trial++) {
    gc()
    let start = performance.now()
    void [...table.entries()]
    listMs.push(performance.now() - start)
    start = performance.now()
    const { videos } = data
    Object.keys(videos).map((id) => videos[id])
    objectListMs.push(performance.now() - start)
    start = performance.now()
    JSON.stringify(data)
    stringifyMs.push(performance.now() - start)
    start = performance.now()
    JSON.stringify(data, null, 2)
    prettyStringifyMs.push(performance.now() - start)
  }
  await app.close()

  const result: ProbeResult = {
    downloads: DOWNLOADS,
    tickMs: TICK_MS,
    staged,
    burst: { emptyTicks, tick: sortedTrials[1] as TickSample, trials },
    heapPerDownload,
    flush: { flushMs, maxLoopStallMs, stringifyMs, prettyStringifyMs, listMs, objectListMs, fileBytes },
    clocks: { accountClocks: ACCOUNT_CLOCKS, oneClockMs, manyClocksMs, heapPerClock }
  }
  process.stdout.write(JSON.stringify(result) + '\n')
}

main().catch((error: unknown) => {
  process.stderr.write(`ticker-probe: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
