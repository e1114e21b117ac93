/**
 * `npm run bench`: the performance figures of the mock, each a ratio against a baseline measured
 * in the same run, in alternating rounds (the machine is shared and noisy). See bench/README.md.
 *
 * The servers run from the built dist/ (built first when stale), as `npm start` and the
 * container run them: no TypeScript loader in the measured processes, so start times and RSS are
 * the shipped server's. The baseline (bench/bare-fastify.ts) and the bench's other child scripts
 * are transpiled to plain JavaScript too (node_modules/.cache/), so both sides start alike.
 *
 * Settings (environment): BENCH_ROUNDS (6), BENCH_SECONDS (5: one measurement), BENCH_WARMUP
 * (1), BENCH_STARTS (5: starts for the start-up median), SOAK_SECONDS (60), BENCH_OUT (the
 * results file, default bench/RESULTS.md), BENCH_ONLY (some of: throughput, startup (with the
 * in-process start and reset of startup-probe.ts), ticker, ticking, soak, hostile, dashboard), PRISM_CLI
 * (Prism's dist/index.js, when installed outside node_modules).
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join, relative } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { benchVideo, fixtureFinishingAt } from './lib/fixtures.js'
import { cpuMsOf, freePort, http, installCleanup, rssOf, sampleRss, startNode, waitHealthy, type Child } from './lib/procs.js'
import { connectInspector } from './lib/inspected-heap.js'
import { fitLine, fmt, int, max, median, mib, sum, table, verdict } from './lib/stats.js'
import { AUTHORIZATION, ETAGS, PREFER, RANGE, X_AUTH, type Cases } from '../test/helpers/hostile-input.js'
import type { DashboardClientResult, DashboardClientSpec } from './dashboard-client.js'
import type { LoadResult, LoadSpec } from './load-worker.js'
import type { StartupResult } from './startup-probe.js'
import type { StoreProbeResult } from './store-probe.js'
import type { ProbeResult, TickSample } from './ticker-probe.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BENCH = join(ROOT, 'bench')
const CACHE = join(ROOT, 'node_modules', '.cache', 'stream-downloads-mock-bench')
const SERVER_JS = join(ROOT, 'dist', 'server.js')
const DIST_INDEX = join(ROOT, 'dist', 'index.js')
const DEFAULT_FIXTURES = join(ROOT, 'fixtures', 'default.json')

function setting (name: string, fallback: number, least: number, most: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isFinite(value) || value < least || value > most) throw new Error(`${name}: expected a number from ${least} to ${most}, got ${raw}`)
  return value
}

// Many short rounds rather than a few long ones: the machine's speed drifts over tens of
// seconds, and each round's pair (mock, bare Fastify) runs back to back, so shorter pairs are
// measured under more nearly the same conditions.
const ROUNDS = setting('BENCH_ROUNDS', 6, 1, 20)
const SECONDS = setting('BENCH_SECONDS', 5, 1, 120)
const WARMUP = setting('BENCH_WARMUP', 1, 0, 60)
const STARTS = setting('BENCH_STARTS', 5, 1, 30)
const SOAK_SECONDS = setting('SOAK_SECONDS', 60, 6, 3600)
const OUT = process.env.BENCH_OUT ?? join(BENCH, 'RESULTS.md')
const PARTS = ['throughput', 'startup', 'store', 'ticker', 'ticking', 'soak', 'hostile', 'dashboard']
/** BENCH_ONLY: a comma-separated list of the parts to run (default: all). */
const ONLY = process.env.BENCH_ONLY === undefined || process.env.BENCH_ONLY === '' ? undefined : new Set(process.env.BENCH_ONLY.split(',').map((part) => part.trim()))
for (const part of ONLY ?? []) if (!PARTS.includes(part)) throw new Error(`BENCH_ONLY: unknown part ${part}; the parts are ${PARTS.join(', ')}`)

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353'
const VIDEO = 'ea95132c15732412d22c1476fa83f27a'
const GET_PATH = `/client/v4/accounts/${ACCOUNT}/stream/${VIDEO}/downloads`
const AUTH = { authorization: 'Bearer bench' }
const SCALE = 100_000
/** The videos of the bundled fixtures: a folder that holds them beside the bench's own stays within SCALE (MOCK_MAX_VIDEOS). */
const BUNDLED_VIDEOS = (JSON.parse(readFileSync(DEFAULT_FIXTURES, 'utf8')) as { videos: unknown[] }).videos.length
/** The downloads the ticking load's folder adds to the bundled fixtures: together, SCALE videos. */
const SPREAD = SCALE - BUNDLED_VIDEOS
const CONNECTIONS = [10, 100] as const

const TARGETS = { throughput: 0.85, p99: 1.5, tickingP99: 2, soakHeap: 0.10, bytesPerDownload: 1024, manyClocksTick: 2, hostileP99: 2, dashboardRatio: 0.95, startMockVsListen: 10, resetMs: 2, openVsParse: 3, openVsPluginTimeout: 0.5 }

/** In-process start-up: timed starts of each kind (after a warm-up of 3), and timed resets (after 20). */
const IN_PROCESS_STARTS = 20
const RESETS = 100

const log = (message: string): void => { process.stderr.write(`bench: ${message}\n`) }

// ---- preparation -------------------------------------------------------------------------------

/** Builds dist/ when it is missing or older than src/ (the same script as `npm start`). */
function buildIfStale (): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.mjs')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 })
  if (result.status !== 0) throw new Error('cannot build dist/ (scripts/build-if-needed.mjs failed)')
}

/** Transpiles the bench's child scripts to plain ESM JavaScript under CACHE, keeping the layout. */
function compileChildren (): void {
  rmSync(CACHE, { recursive: true, force: true })
  mkdirSync(join(CACHE, 'lib'), { recursive: true })
  // node_modules is a package boundary: say the files are ESM here.
  writeFileSync(join(CACHE, 'package.json'), '{"type":"module"}\n')
  for (const file of ['bare-fastify.ts', 'dashboard-client.ts', 'load-worker.ts', 'startup-probe.ts', 'store-probe.ts', 'ticker-probe.ts', 'lib/fixtures.ts']) {
    const source = readFileSync(join(BENCH, file), 'utf8')
    const output = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true }
    })
    writeFileSync(join(CACHE, file.replace(/\.ts$/, '.js')), output.outputText)
  }
}

const child = (name: string): string => join(CACHE, name)

// ---- servers -----------------------------------------------------------------------------------

interface Server {
  name: string
  proc: Child
  port: number
  startMs: number
  /** The path of the bench's GET on this server. */
  getPath: string
}

/** Starts the mock (dist/server.js) with its defaults plus `env`, and waits for /healthz. */
async function startMock (env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Server> {
  const port = await freePort()
  const startedAt = performance.now()
  const proc = startNode([...nodeArgs, SERVER_JS], { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env })
  const startMs = await waitHealthy(proc, port, startedAt, 120_000)
  return { name: 'mock', proc, port, startMs, getPath: GET_PATH }
}

/** Starts the bare Fastify baseline answering `body`. */
async function startBare (body: string): Promise<Server> {
  const port = await freePort()
  const startedAt = performance.now()
  const proc = startNode([child('bare-fastify.js')], { PORT: String(port), LOG_LEVEL: 'warn', BENCH_BODY: body })
  const startMs = await waitHealthy(proc, port, startedAt)
  return { name: 'bare Fastify', proc, port, startMs, getPath: GET_PATH }
}

interface Measured {
  load: LoadResult
  rssPeak: number
  /** The server's CPU time (user + system) per answered request during the measured run, µs. */
  cpuUsPerRequest: number
}

/** Runs the load worker against a server, sampling the server's RSS meanwhile. */
async function load (server: Server, spec: Omit<LoadSpec, 'port'>, onSample?: (rss: number[]) => void): Promise<Measured> {
  const sampler = sampleRss(server.proc.pid, 250)
  let cpuAtStart: number | undefined
  const worker = startNode([child('load-worker.js'), JSON.stringify({ ...spec, port: server.port })], {}, (line) => {
    if (line === '{"phase":"measure"}') cpuAtStart = cpuMsOf(server.proc.pid)
  })
  const limit = (spec.warmupS + spec.durationS + 60) * 1000
  const timer = setTimeout(() => { void worker.stop(1000) }, limit)
  const code = await worker.exited
  const cpuAtEnd = cpuMsOf(server.proc.pid)
  clearTimeout(timer)
  const samples = sampler.stop()
  onSample?.(samples)
  if (code !== 0) throw new Error(`the load worker failed (exit ${code}):\n${worker.output()}`)
  const line = worker.output().split('\n').find((text) => text.startsWith('{"requests"'))
  if (line === undefined) throw new Error(`the load worker printed no result:\n${worker.output()}`)
  const result = JSON.parse(line) as LoadResult
  const cpuMs = cpuAtStart === undefined || cpuAtEnd === undefined ? Number.NaN : cpuAtEnd - cpuAtStart
  return { load: result, rssPeak: max(samples), cpuUsPerRequest: cpuMs * 1000 / result.requests }
}

const getSpec = (connections: number, path = GET_PATH): Omit<LoadSpec, 'port'> =>
  ({ scenario: 'get', paths: [path], connections, durationS: SECONDS, warmupS: WARMUP, headers: AUTH })

const errorsOf = (load: LoadResult): number => load.non2xx + load.socketErrors

// ---- 1, 2. throughput and latency against bare Fastify -----------------------------------------

interface ThroughputRow { target: string, connections: number, rounds: Measured[] }

async function throughput (out: string[]): Promise<boolean> {
  log('throughput: starting the mock and bare Fastify')
  const mock = await startMock()
  const first = await http(mock.port, 'GET', GET_PATH, { headers: { ...AUTH, host: `127.0.0.1:${mock.port}` } })
  if (first.status !== 200) throw new Error(`the mock answered ${first.status} to the bench's GET: ${first.body}`)
  const bare = await startBare(first.body)
  const bareBody = await http(bare.port, 'GET', GET_PATH)
  const sameBytes = bareBody.body === first.body
  const prism = await startPrism()
  const servers = [mock, bare, ...(prism === undefined ? [] : [prism])]
  const rows: ThroughputRow[] = []
  for (const server of servers) for (const connections of CONNECTIONS) rows.push({ target: server.name, connections, rounds: [] })
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const connections of CONNECTIONS) {
        // Alternate who goes first, so that a drift of the machine's load favours neither.
        const order = round % 2 === 0 ? servers : [...servers].reverse()
        for (const server of order) {
          log(`throughput: round ${round + 1}/${ROUNDS}, ${server.name}, ${connections} connections`)
          const row = rows.find((r) => r.target === server.name && r.connections === connections) as ThroughputRow
          row.rounds.push(await load(server, getSpec(connections, server.getPath)))
        }
      }
    }
  } finally {
    await Promise.all(servers.map(async (server) => { await server.proc.stop() }))
  }

  const ratio = (target: string, connections: number, pick: (m: Measured) => number): number => {
    const ours = rows.find((r) => r.target === target && r.connections === connections) as ThroughputRow
    const base = rows.find((r) => r.target === 'bare Fastify' && r.connections === connections) as ThroughputRow
    // The median of the per-round ratios: each round's pair ran back to back.
    return median(ours.rounds.map((m, i) => pick(m) / pick(base.rounds[i] as Measured)))
  }
  const lines: string[] = []
  let allPass = true
  const tableRows = rows.map((row) => {
    const loads = row.rounds.map((m) => m.load)
    const errors = sum(loads.map(errorsOf))
    const isBase = row.target === 'bare Fastify'
    const rpsRatio = isBase ? 1 : ratio(row.target, row.connections, (m) => m.load.rps)
    const p99Ratio = isBase ? 1 : ratio(row.target, row.connections, (m) => m.load.p99)
    let result = 'baseline'
    if (row.target === 'mock') {
      const pass = rpsRatio >= TARGETS.throughput && p99Ratio <= TARGETS.p99 && errors === 0
      allPass &&= pass
      result = verdict(pass)
      lines.push(`${result} ${row.target}, ${row.connections} connections: throughput ${fmt(rpsRatio)}× bare Fastify (target ≥ ${TARGETS.throughput}), p99 ${fmt(p99Ratio)}× (target ≤ ${TARGETS.p99}), ${errors} errors (target 0)`)
    } else if (!isBase) {
      result = 'reference'
    }
    const cpuRatio = isBase ? 1 : ratio(row.target, row.connections, (m) => m.cpuUsPerRequest)
    return [
      row.target, String(row.connections), int(median(loads.map((l) => l.rps))),
      fmt(median(loads.map((l) => l.p50))), fmt(median(loads.map((l) => l.p99))),
      String(errors), mib(max(row.rounds.map((m) => m.rssPeak))),
      `${fmt(median(row.rounds.map((m) => m.cpuUsPerRequest)), 0)} (${isBase ? '1' : fmt(cpuRatio)}×)`,
      isBase ? '1' : fmt(rpsRatio), isBase ? '1' : fmt(p99Ratio), result
    ]
  })
  out.push('## Throughput and latency: GET of the downloads of one video',
    '',
    `\`GET ${GET_PATH}\` with \`Authorization: Bearer bench\`; ${ROUNDS} rounds × each target × each connection count, alternating who goes first; each measurement ${WARMUP} s of warm-up then ${SECONDS} s. Figures are medians over the rounds; ratios are the median of the per-round ratios against bare Fastify; errors are non-2xx answers plus socket errors, summed; RSS is the peak sampled during the load; server CPU µs/req is the server process's user + system CPU time (/proc/<pid>/stat) over the measured run divided by the requests answered, the figure least disturbed by other work on the machine.`,
    '',
    table(['target', 'conn.', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RSS peak', 'server CPU µs/req', 'req/s ratio', 'p99 ratio', 'result'], tableRows),
    '',
    `Bare Fastify answers the same bytes as the mock: ${sameBytes ? 'yes' : 'NO (the comparison is off)'} (${first.body.length} bytes). ${prism === undefined ? 'Prism: not run (`@stoplight/prism-cli` is not installed; see bench/README.md).' : 'Prism: `prism mock` on contract/stream-downloads.openapi.json (its GET path has no `/client/v4`; it answers an example body), for reference only.'}`,
    '',
    'Per round (req/s; p99 ms):',
    '',
    table(['target', 'conn.', ...Array.from({ length: ROUNDS }, (_, i) => `round ${i + 1}`)],
      rows.map((row) => [row.target, String(row.connections), ...row.rounds.map((m) => `${int(m.load.rps)}; ${fmt(m.load.p99)}`)])),
    '',
    ...lines.map((line) => `- ${line}`),
    '')
  return allPass
}

/**
 * Prism on the contract, when `@stoplight/prism-cli` is installed in node_modules or PRISM_CLI
 * names its dist/index.js (optional, for reference). Its log goes to /dev/null: it logs each request.
 */
async function startPrism (): Promise<Server | undefined> {
  const cli = process.env.PRISM_CLI ?? join(ROOT, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js')
  if (!existsSync(cli)) return undefined
  const port = await freePort()
  const startedAt = performance.now()
  const proc = startNode([cli, 'mock', '-h', '127.0.0.1', '-p', String(port), join(ROOT, 'contract', 'stream-downloads.openapi.json')], {}, undefined, true)
  // The contract's paths have no /client/v4 (it is in its server url), and Prism has no /healthz.
  const path = GET_PATH.replace('/client/v4', '')
  for (let waited = 0; waited < 60_000; waited += 100) {
    if (proc.child.exitCode !== null) break
    try {
      const answer = await http(port, 'GET', path, { headers: AUTH, timeoutMs: 2000 })
      if (answer.status === 200) return { name: 'Prism', proc, port, startMs: performance.now() - startedAt, getPath: path }
    } catch {
      // Not listening yet.
    }
    await sleep(100)
  }
  await proc.stop()
  log(`Prism did not start; skipped:\n${proc.output()}`)
  return undefined
}

// ---- 3. start-up time and memory ---------------------------------------------------------------

async function startupAndMemory (out: string[], dirs: { scale: string }): Promise<void> {
  const mockStarts: number[] = []
  const bareStarts: number[] = []
  const mockRss: number[] = []
  const bareRss: number[] = []
  const body = '{"result":{},"success":true,"errors":[],"messages":[]}'
  for (let i = 0; i < STARTS; i++) {
    log(`start-up: ${i + 1}/${STARTS}`)
    for (const which of i % 2 === 0 ? ['mock', 'bare'] : ['bare', 'mock']) {
      const server = which === 'mock' ? await startMock() : await startBare(body)
      await sleep(1000)
      const rss = rssOf(server.proc.pid) ?? Number.NaN
      await server.proc.stop()
      ;(which === 'mock' ? mockStarts : bareStarts).push(server.startMs)
      ;(which === 'mock' ? mockRss : bareRss).push(rss)
    }
  }
  const scaleStarts: number[] = []
  const scaleRss: number[] = []
  for (let i = 0; i < Math.min(3, STARTS); i++) {
    log(`memory at scale: start ${i + 1} with ${int(SCALE)} videos`)
    const server = await startMock({ MOCK_FIXTURES: dirs.scale })
    await sleep(2000)
    scaleRss.push(rssOf(server.proc.pid) ?? Number.NaN)
    scaleStarts.push(server.startMs)
    await server.proc.stop()
  }
  const perDownload = (median(scaleRss) - median(mockRss)) / SCALE
  const startRatio = median(mockStarts) / median(bareStarts)
  out.push('## Start-up and memory',
    '',
    `Time from spawning the process to the first 200 on \`/healthz\` (polled every 2 ms), median of ${STARTS} starts each, alternating; RSS (VmRSS) 1 s after that (2 s with ${int(SCALE)} videos, median of ${Math.min(3, STARTS)} starts). The ${int(SCALE)}-video fixture has one \`default\` download in progress per video.`,
    '',
    table(['server', 'time to first 200', 'RSS'], [
      ['bare Fastify', `${fmt(median(bareStarts), 0)} ms`, mib(median(bareRss))],
      ['mock, bundled fixtures', `${fmt(median(mockStarts), 0)} ms (${fmt(startRatio)}× bare)`, mib(median(mockRss))],
      [`mock, ${int(SCALE)} videos`, `${fmt(median(scaleStarts), 0)} ms`, mib(median(scaleRss))]
    ]),
    '',
    `RSS per download in progress: ${int(perDownload)} bytes ((RSS with ${int(SCALE)} − RSS with the bundled fixtures) / ${int(SCALE)}). Reported, not the target: two seconds after start it still holds the garbage of loading the fixture file (the file's text, its parsed documents), which V8 collects only when the server allocates again; the memory the store holds per download is the heap figure of the ticker section, measured after a GC.`,
    '')
}

/** startMock and a reset, in process, against bare Fastify in the same process (startup-probe.ts). */
async function inProcessStartup (out: string[]): Promise<boolean> {
  log(`start-up in process: ${IN_PROCESS_STARTS} startMock and bare listens, ${RESETS} resets`)
  const probe = startNode([child('startup-probe.js'), JSON.stringify({ dist: DIST_INDEX, starts: IN_PROCESS_STARTS, resets: RESETS })])
  const timer = setTimeout(() => { void probe.stop(1000) }, 300_000)
  const code = await probe.exited
  clearTimeout(timer)
  const line = probe.output().split('\n').find((text) => text.startsWith('{'))
  if (code !== 0 || line === undefined) throw new Error(`the start-up probe failed (exit ${code}):\n${probe.output()}`)
  const result = JSON.parse(line) as StartupResult
  const startRatio = median(result.startMockMs) / median(result.bareListenMs)
  const cpuRatio = median(result.startMockCpuMs) / median(result.bareListenCpuMs)
  const resetMs = median(result.resetMs)
  const startPass = startRatio <= TARGETS.startMockVsListen
  const resetPass = resetMs <= TARGETS.resetMs
  out.push('## Start-up in process',
    '',
    `In one process, on dist/, after a warm-up: \`startMock({ port: 0 })\` (bundled fixtures, the ticker on) until it resolves, listening, against a bare Fastify app with one route and \`listen({ port: 0 })\`, alternating, ${IN_PROCESS_STARTS} of each, each closed before the next (not timed); and \`POST /__mock/reset\` through \`app.inject\` on one \`buildApp\` app with the bundled fixtures (their file checked on each reset: unchanged, it comes parsed from the process's cache) against one \`inject\` of a bare Fastify route, alternating, ${RESETS} of each. Medians; CPU is the process's user + system time over the same span, the figure another process on the machine disturbs least.`,
    '',
    table(['measurement', 'mock (median)', 'bare Fastify (median)', 'ratio'], [
      ['start, wall clock', `${fmt(median(result.startMockMs), 1)} ms`, `${fmt(median(result.bareListenMs), 2)} ms`, `${fmt(startRatio)}×`],
      ['start, CPU', `${fmt(median(result.startMockCpuMs), 1)} ms`, `${fmt(median(result.bareListenCpuMs), 2)} ms`, `${fmt(cpuRatio)}×`],
      ['reset (inject)', `${fmt(resetMs, 2)} ms`, `${fmt(median(result.bareInjectMs), 3)} ms`, `${fmt(resetMs / median(result.bareInjectMs))}×`]
    ]),
    '',
    `- ${verdict(startPass)} startMock: ${fmt(startRatio)}× a bare Fastify listen, wall clock (target ≤ ${TARGETS.startMockVsListen}×; CPU ${fmt(cpuRatio)}×)`,
    `- ${verdict(resetPass)} reset: ${fmt(resetMs, 2)} ms, median of ${RESETS} (target ≤ ${TARGETS.resetMs} ms)`,
    '')
  return startPass && resetPass
}

// ---- 4. the ticker at scale ----------------------------------------------------------------------

/** Fastify's default plugin timeout (ms): a store must open well within it. */
const PLUGIN_TIMEOUT_MS = 10_000

async function storeProbe (out: string[], tmp: string): Promise<boolean> {
  log(`store: opening a data file of ${int(SCALE)} videos`)
  const probe = startNode(['--expose-gc', child('store-probe.js'), JSON.stringify({ dist: DIST_INDEX, tmpDir: tmp, videos: SCALE })])
  const timer = setTimeout(() => { void probe.stop(1000) }, 300_000)
  const code = await probe.exited
  clearTimeout(timer)
  const line = probe.output().split('\n').find((text) => text.startsWith('{'))
  if (code !== 0 || line === undefined) throw new Error(`the store probe failed (exit ${code}):\n${probe.output()}`)
  const result = JSON.parse(line) as StoreProbeResult
  const parseMs = median(result.parseMs)
  const openMs = median(result.openMs)
  const ratio = openMs / parseMs
  const pass = ratio <= TARGETS.openVsParse && openMs <= PLUGIN_TIMEOUT_MS * TARGETS.openVsPluginTimeout
  out.push('## The store at scale',
    '',
    `- ${verdict(ratio <= TARGETS.openVsParse)} open: a data file of ${int(result.videos)} videos (${mib(result.fileBytes)}) opens in ${fmt(openMs, 0)} ms (read, check, table, schedule, the lock and this process's log), against ${fmt(parseMs, 0)} ms for a \`JSON.parse\` of the same file read from disk: ${fmt(ratio)}× (target at most ${TARGETS.openVsParse}×; medians of ${result.openMs.length}).`,
    `- ${verdict(openMs <= PLUGIN_TIMEOUT_MS * TARGETS.openVsPluginTimeout)} the video bound (\`MOCK_MAX_VIDEOS\`, at most ${int(result.videos)}) against Fastify's plugin timeout: ${fmt(openMs / PLUGIN_TIMEOUT_MS * 100, 1)} % of its ${int(PLUGIN_TIMEOUT_MS)} ms (target at most half). 1,000,000 videos are not accepted anywhere, so a server never holds a store it cannot open again.`,
    `- journal: ${int(result.journalBytesPerEntry)} bytes of heap per entry for GETs with a 15 KB query (${int(result.journalEntries)} entries; each path cut at 512 characters).`,
    '')
  return pass
}

async function tickerProbe (out: string[], tmp: string): Promise<boolean> {
  log(`ticker: in-process probe of ${int(SCALE)} downloads`)
  const probe = startNode(['--expose-gc', child('ticker-probe.js'), JSON.stringify({ dist: DIST_INDEX, tmpDir: tmp })])
  const timer = setTimeout(() => { void probe.stop(1000) }, 600_000)
  const code = await probe.exited
  clearTimeout(timer)
  const line = probe.output().split('\n').find((text) => text.startsWith('{'))
  if (code !== 0 || line === undefined) throw new Error(`the ticker probe failed (exit ${code}):\n${probe.output()}`)
  const result = JSON.parse(line) as ProbeResult

  // Group the staged ticks by the transitions they recorded (their order of magnitude).
  const groups = new Map<number, TickSample[]>()
  for (const sample of result.staged) {
    const key = sample.transitions === 0 ? 0 : 10 ** Math.round(Math.log10(sample.transitions))
    groups.set(key, [...groups.get(key) ?? [], sample])
  }
  const idleMs = median(groups.get(0)?.map((s) => s.ms) ?? [])
  const fit = fitLine(result.staged.map((s) => ({ x: s.transitions, y: s.ms * 1000 })))
  const rows = [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, samples]) => {
    const transitions = median(samples.map((s) => s.transitions))
    const ms = median(samples.map((s) => s.ms))
    return [int(transitions), String(samples.length), fmt(ms, 3), transitions === 0 ? '—' : fmt((ms - idleMs) * 1000 / transitions, 2)]
  })
  const burst = result.burst.tick
  rows.push([`${int(burst.transitions)} (all at once)`, '1 (median of 3 stores)', fmt(burst.ms, 1), fmt((burst.ms - idleMs) * 1000 / burst.transitions, 2)])
  const flush = result.flush
  out.push('## The ticker at scale (in memory)',
    '',
    `${int(result.downloads)} downloads in progress in one store (\`buildApp\` from dist/, ticker driven by hand, ${result.tickMs} ms ticks), their stop points placed so that ticks record 0, 1, 10, 100, 1,000 and 10,000 transitions; the rest stay scheduled far ahead, so the schedule keeps its size. Then a store where all ${int(result.downloads)} come due in the same tick. Each tick timed alone; medians per group.`,
    '',
    table(['transitions per tick', 'ticks', 'tick time (ms)', 'µs per transition (above an empty tick)'], rows),
    '',
    `A least-squares line over the staged ticks: ${fmt(fit.a, 1)} µs + ${fmt(fit.b, 2)} µs × transitions. An empty tick costs ${fmt(idleMs * 1000, 1)} µs with ${int(result.downloads)} downloads scheduled: the cost follows the transitions, not the number of downloads.`,
    '',
    `- ${verdict(result.heapPerDownload <= TARGETS.bytesPerDownload)} memory: the store holds ${int(result.heapPerDownload)} bytes of heap per download in progress (loaded from a fixture file, heap after GC, against the heap before the build; target about ${TARGETS.bytesPerDownload} bytes).`,
    '',
    `With a data file (\`MOCK_DATA_FILE\`): a change is one line appended to the change log; what grows with the store is a snapshot (the log folded, after a reset, a big batch or a log that outgrew its snapshot). One snapshot of ${int(result.downloads)} downloads takes ${fmt(median(flush.flushMs), 0)} ms from the call to the rename (median of ${flush.flushMs.length}). The writer serializes a slice of videos at a time and hands each to the file, so the event loop keeps turning: the longest it went without a turn during a flush, the wait a request could see, is ${fmt(median(flush.maxLoopStallMs), 0)} ms (median of the flushes' longest; at most ${fmt(max(flush.maxLoopStallMs), 0)} ms). The one step the writer cannot slice is listing the videos: it copies them from the store's index (${fmt(median(flush.listMs), 1)} ms, measured alone), not from the one object of ${int(result.downloads)} keys that lowdb holds (${fmt(median(flush.objectListMs), 0)} ms). For reference, one plain \`JSON.stringify\` of the same data takes ${fmt(median(flush.stringifyMs), 0)} ms (pretty-printed, as lowdb's own JSONFile wrote it in one go: ${fmt(median(flush.prettyStringifyMs), 0)} ms). The file, compact JSON with one video per line, is ${mib(flush.fileBytes)} (${int(flush.fileBytes / result.downloads)} bytes per download).`,
    '')
  // Clocks: a tick with nothing due costs the same with one clock and with 100,000 (derived
  // clocks are never visited); compared by medians, with a floor of a microsecond for the ratio,
  // since an empty tick is too quick to time finely.
  const clocks = result.clocks
  const oneClock = median(clocks.oneClockMs)
  const manyClocks = median(clocks.manyClocksMs)
  const clockRatio = Math.max(manyClocks, 0.001) / Math.max(oneClock, 0.001)
  const clocksPass = clockRatio <= TARGETS.manyClocksTick
  out.push(`- ${verdict(clocksPass)} clocks: a tick with nothing due, following the wall clock as under the ticker, takes ${fmt(manyClocks * 1000, 1)} µs with ${int(clocks.accountClocks)} account clocks (half frozen, half running) against ${fmt(oneClock * 1000, 1)} µs with the global clock alone: ${fmt(clockRatio)}× (target at most ${TARGETS.manyClocksTick}×; medians of ${clocks.oneClockMs.length} ticks, each at least 1 µs for the ratio). Each account clock holds ${int(clocks.heapPerClock)} bytes of heap.`,
    '')
  return result.heapPerDownload <= TARGETS.bytesPerDownload && clocksPass
}

interface TickVariant { name: string, env: Record<string, string>, freeze: boolean, dataFile: boolean }

async function tickingLoad (out: string[], dirs: { spread: string, tmp: string }, spreadSpanMs: number): Promise<boolean> {
  const variants: TickVariant[] = [
    { name: 'idle (clock frozen)', env: {}, freeze: true, dataFile: false },
    { name: 'ticking, in memory', env: {}, freeze: false, dataFile: false },
    { name: 'ticking, data file', env: {}, freeze: false, dataFile: true }
  ]
  const results = new Map<string, Array<{ m: Measured, transitionsInWindow: number, mockMs: number }>>()
  for (const variant of variants) results.set(variant.name, [])
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse()
    for (const variant of order) {
      log(`ticking: round ${round + 1}/${ROUNDS}, ${variant.name}`)
      const dataFile = join(dirs.tmp, `ticking-${round}.json`)
      const env: Record<string, string> = { MOCK_FIXTURES: dirs.spread, MOCK_TICK_MS: '50', ...variant.env }
      if (variant.dataFile) env.MOCK_DATA_FILE = dataFile
      const server = await startMock(env)
      try {
        if (variant.freeze) {
          const frozen = await http(server.port, 'POST', '/__mock/clock/freeze', { body: '{}' })
          if (frozen.status !== 200) throw new Error(`cannot freeze the clock: ${frozen.status} ${frozen.body}`)
        }
        const clockBefore = await mockNow(server)
        const m = await load(server, getSpec(10))
        const clockAfter = await mockNow(server)
        // Stop points are spread evenly over [1 s, 1 s + span] of mock time.
        const overlap = Math.max(0, Math.min(clockAfter, 1000 + spreadSpanMs) - Math.max(clockBefore, 1000))
        results.get(variant.name)?.push({ m, transitionsInWindow: Math.round(SPREAD * overlap / spreadSpanMs), mockMs: clockAfter - clockBefore })
      } finally {
        await server.proc.stop(30_000)
        rmSync(dataFile, { force: true })
      }
    }
  }
  const idle = results.get('idle (clock frozen)') ?? []
  const lines: string[] = []
  let pass = true
  const rows = variants.map((variant) => {
    const runs = results.get(variant.name) ?? []
    const ratio = median(runs.map((run, i) => run.m.load.p99 / (idle[i] as { m: Measured }).m.load.p99))
    const errors = sum(runs.map((run) => errorsOf(run.m.load)))
    const transitionsPerS = median(runs.map((run) => run.transitionsInWindow / (WARMUP + SECONDS)))
    let result = 'baseline'
    if (variant.freeze === false) {
      const ok = ratio <= TARGETS.tickingP99 && errors === 0
      result = verdict(ok)
      if (!variant.dataFile) pass &&= ok
      lines.push(`${result} GET p99 ${variant.name}: ${fmt(ratio)}× idle (target ≤ ${TARGETS.tickingP99}), ${errors} errors${variant.dataFile ? ' (reported, not a target: every flush writes the whole state)' : ''}`)
    }
    return [variant.name, int(median(runs.map((r) => r.m.load.rps))), fmt(median(runs.map((r) => r.m.load.p50))),
      fmt(median(runs.map((r) => r.m.load.p99))), fmt(median(runs.map((r) => r.m.load.max)), 1),
      variant.freeze ? '0' : int(transitionsPerS), String(errors), variant.freeze ? '1' : fmt(ratio), result]
  })
  out.push('## GET latency while the ticker works',
    '',
    `The mock with ${int(SCALE)} videos (the MOCK_MAX_VIDEOS default): the ${int(BUNDLED_VIDEOS)} of the bundled fixtures and ${int(SPREAD)} with a download in progress, \`MOCK_TICK_MS=50\`, their stop points spread evenly over ${fmt(spreadSpanMs / 1000, 0)} s of mock time, so that the ticker records transitions through the whole load. 10 connections on the same GET; ${ROUNDS} rounds, alternating order; a fresh server for each measurement. Idle: the same server with its clock frozen (\`POST /__mock/clock/freeze\`), so ticks record nothing. Data file: the same as ticking, with \`MOCK_DATA_FILE\` (each tick's transitions make the store write the whole file, at most every 200 ms).`,
    '',
    table(['variant', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'transitions/s', 'errors', 'p99 / idle', 'result'], rows),
    '',
    ...lines.map((line) => `- ${line}`),
    '')
  return pass
}

async function mockNow (server: Server): Promise<number> {
  const answer = await http(server.port, 'GET', '/__mock/clock')
  return (JSON.parse(answer.body) as { result: { nowMs: number } }).result.nowMs
}

// ---- 5. soak -------------------------------------------------------------------------------------

async function soak (out: string[], dirs: { soak: string }, soakVideos: string[]): Promise<boolean> {
  log(`soak: ${SOAK_SECONDS} s of mixed load`)
  // The leak check reads the heap after a full GC over the inspector (see lib/inspected-heap.ts).
  const inspectPort = await freePort()
  const server = await startMock({ MOCK_FIXTURES: dirs.soak, MOCK_TICK_MS: '100' }, [`--inspect=127.0.0.1:${inspectPort}`])
  const inspector = await connectInspector(inspectPort)
  const warmupS = Math.max(5, SOAK_SECONDS / 4)
  const samples: Array<{ atS: number, rss: number }> = []
  const started = performance.now()
  const timer = setInterval(() => {
    const rss = rssOf(server.proc.pid)
    if (rss !== undefined) samples.push({ atS: (performance.now() - started) / 1000, rss })
  }, 1000)
  const heapEarly = sleep(warmupS * 1000).then(async () => await inspector.afterGc())
  let atEnd: Awaited<typeof heapEarly> | undefined
  let measured: Measured
  try {
    measured = await load(server, {
      scenario: 'soak',
      paths: soakVideos.map((video) => `/client/v4/accounts/${SOAK_ACCOUNT}/stream/${video}/downloads`),
      connections: soakVideos.length,
      durationS: SOAK_SECONDS,
      warmupS: 0,
      headers: AUTH,
      overallRate: 2000
    })
    atEnd = await inspector.afterGc()
  } finally {
    clearInterval(timer)
    inspector.close()
    await server.proc.stop()
  }
  const gcEarly = await heapEarly
  const gcEnd = atEnd as typeof gcEarly
  const heapAfterWarmup = gcEarly.used
  const heapEnd = gcEnd.used
  const heapGrowth = (heapEnd - heapAfterWarmup) / heapAfterWarmup
  // RSS saws up and down by a fifth as V8's heap grows and is collected: compare the medians of
  // two windows (after the warm-up, and at the end), not two single samples. The warm-up is a
  // quarter of the run: V8 sizes its heap for the load in the first seconds. RSS is reported; the
  // verdict is the heap after a full GC, which a leak raises and V8's sizing does not.
  const windowS = Math.max(5, SOAK_SECONDS / 6)
  const endS = samples[samples.length - 1]?.atS ?? 0
  const early = samples.filter((s) => s.atS >= warmupS && s.atS < warmupS + windowS).map((s) => s.rss)
  const late = samples.filter((s) => s.atS > endS - windowS).map((s) => s.rss)
  const growth = (median(late) - median(early)) / median(early)
  const errors = errorsOf(measured.load)
  const pass = errors === 0 && heapGrowth <= TARGETS.soakHeap
  const codes = Object.entries(measured.load.statusCodes).map(([code, count]) => `${code}: ${int(count)}`).join(', ')
  out.push('## Soak',
    '',
    `${SOAK_SECONDS} s of mixed load at 2,000 requests/s over ${soakVideos.length} connections, each on its own video: create the default download, read, create the audio download, read, delete both, read, and \`POST /__mock/clock/advance\` 250 ms; the ticker runs (\`MOCK_TICK_MS=100\`). RSS sampled every second.`,
    '',
    table(['requests', 'req/s', 'p99 ms', 'status codes', 'errors', `RSS after warm-up (median, ${fmt(warmupS, 0)}–${fmt(warmupS + windowS, 0)} s)`, `RSS at the end (median, last ${fmt(windowS, 0)} s)`, 'RSS min–max'], [[
      int(measured.load.requests), int(measured.load.rps), fmt(measured.load.p99), codes, String(errors),
      mib(median(early)), mib(median(late)),
      `${mib(Math.min(...samples.map((s) => s.rss)))}–${mib(max(samples.map((s) => s.rss)))}`
    ]]),
    '',
    `RSS samples (s: MiB): ${samples.filter((_, i) => i % 2 === 1).map((s) => `${fmt(s.atS, 0)}: ${fmt(s.rss / 1024 / 1024, 0)}`).join(', ')} (every other one shown)`,
    '',
    `- ${verdict(pass)} soak: ${errors} errors (target 0); heap after a full GC ${mib(heapEnd)} at the end against ${mib(heapAfterWarmup)} after the warm-up (${fmt(warmupS, 0)} s): ${heapGrowth >= 0 ? '+' : ''}${fmt(heapGrowth * 100, 1)} % (target: at most +${TARGETS.soakHeap * 100} %); median RSS at the end ${growth >= 0 ? '+' : ''}${fmt(growth * 100, 1)} % against the median after warm-up (reported: V8 grows its heap in steps whose timing varies, and keeps the pages). After the GCs, heap committed ${mib(gcEarly.memory.heapTotal)} → ${mib(gcEnd.memory.heapTotal)}, outside the heap (external) ${mib(gcEarly.memory.external)} → ${mib(gcEnd.memory.external)}, RSS ${mib(gcEarly.memory.rss)} → ${mib(gcEnd.memory.rss)}`,
    '')
  return pass
}

const SOAK_ACCOUNT = 'b0a10000000000000000000000000000'

// ---- 6. /healthz while another client sends hostile headers ---------------------------------------

/** A request of the attack: one worst-case 16 KB header (the test suite's cases) on a path of the mock. */
interface AttackRequest { method: 'GET', path: string, headers: Record<string, string> }

/**
 * The attack of issue 11: each worst-case header of test/helpers/hostile-input.ts on the path that
 * parses it: Prefer and the credential headers on the downloads path, Range, If-None-Match and
 * If-Range on the media path of a ready download.
 */
function attackRequests (): AttackRequest[] {
  const list = GET_PATH
  const media = `/${VIDEO}/downloads/default.mp4`
  const each = (cases: Cases, path: string, headers: (value: string) => Record<string, string>): AttackRequest[] =>
    Object.values(cases).map((value) => ({ method: 'GET', path, headers: headers(value) }))
  return [
    ...each(PREFER, list, (prefer) => ({ ...AUTH, prefer })),
    ...each(AUTHORIZATION, list, (authorization) => ({ authorization })),
    ...each(X_AUTH, list, (value) => ({ 'x-auth-email': value.slice(0, 8000), 'x-auth-key': value.slice(0, 8000) })),
    ...each(RANGE, media, (range) => ({ range })),
    ...each(ETAGS, media, (etags) => ({ 'if-none-match': etags })),
    ...each(ETAGS, media, (etags) => ({ range: 'bytes=0-9', 'if-range': etags }))
  ]
}

/**
 * The control: the same requests, each with one header of the same size that nothing parses
 * (`X-Padding`) instead of its hostile ones, and valid credentials on the downloads path. What is
 * left of the attack's cost is Node's and the answers'.
 */
function controlRequests (attacks: AttackRequest[]): AttackRequest[] {
  return attacks.map(({ method, path, headers }) => {
    // The size of its hostile text: every header but the bench's own credentials.
    const bytes = sum(Object.entries(headers).filter(([name, value]) => !(name === 'authorization' && value === AUTH.authorization)).map(([, value]) => value.length))
    return { method, path, headers: { ...(path === GET_PATH ? AUTH : {}), 'x-padding': 'a'.repeat(bytes) } }
  })
}

async function hostileHeaders (out: string[], tmp: string): Promise<boolean> {
  log('hostile headers: /healthz alone, under attack, and under the same load of harmless headers')
  const attacks = attackRequests()
  const attackFile = join(tmp, 'attack-requests.json')
  writeFileSync(attackFile, JSON.stringify(attacks))
  const controlFile = join(tmp, 'control-requests.json')
  writeFileSync(controlFile, JSON.stringify(controlRequests(attacks)))
  const server = await startMock()
  const health: Omit<LoadSpec, 'port'> = { scenario: 'get', paths: ['/healthz'], connections: 1, durationS: SECONDS, warmupS: WARMUP, headers: {} }
  /** /healthz measured while another client sends the requests of `file`. */
  const besides = async (file: string): Promise<{ health: Measured, other: LoadResult }> => {
    // The other client starts first and outlasts the measurement of /healthz, warm-up included.
    const other = startNode([child('load-worker.js'), JSON.stringify({ scenario: 'requests', paths: [], requestsFile: file, connections: 1, durationS: WARMUP + SECONDS + 2, warmupS: 0, headers: {}, port: server.port } satisfies LoadSpec)])
    const timer = setTimeout(() => { void other.stop(1000) }, (WARMUP + SECONDS + 60) * 1000)
    await sleep(500)
    const measured = await load(server, health)
    const code = await other.exited
    clearTimeout(timer)
    const line = other.output().split('\n').find((text) => text.startsWith('{"requests"'))
    if (code !== 0 || line === undefined) throw new Error(`the other load worker failed (exit ${code}):\n${other.output()}`)
    return { health: measured, other: JSON.parse(line) as LoadResult }
  }
  const alone: Measured[] = []
  const attacked: Array<{ health: Measured, other: LoadResult }> = []
  const control: Array<{ health: Measured, other: LoadResult }> = []
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const variants = ['alone', 'attacked', 'control']
      for (const which of round % 2 === 0 ? variants : variants.reverse()) {
        log(`hostile headers: round ${round + 1}/${ROUNDS}, /healthz ${which}`)
        if (which === 'alone') alone.push(await load(server, health))
        else if (which === 'attacked') attacked.push(await besides(attackFile))
        else control.push(await besides(controlFile))
      }
    }
  } finally {
    await server.proc.stop()
  }
  // Medians of the per-round ratios: each round's measurements ran back to back.
  const p99Ratio = median(attacked.map((a, i) => a.health.load.p99 / (alone[i] as Measured).load.p99))
  const controlRatio = median(control.map((c, i) => c.health.load.p99 / (alone[i] as Measured).load.p99))
  const againstControl = median(attacked.map((a, i) => a.health.load.p99 / (control[i] as { health: Measured }).health.load.p99))
  const healthErrors = sum([...alone, ...attacked.map((a) => a.health), ...control.map((c) => c.health)].map((m) => errorsOf(m.load)))
  const attackSocketErrors = sum([...attacked, ...control].map((a) => a.other.socketErrors))
  const pass = againstControl <= TARGETS.hostileP99 && healthErrors === 0 && attackSocketErrors === 0
  const row = (name: string, loads: LoadResult[], ratio: string, othersPerS: string): string[] =>
    [name, int(median(loads.map((l) => l.rps))), fmt(median(loads.map((l) => l.p50))), fmt(median(loads.map((l) => l.p99))), fmt(median(loads.map((l) => l.max))), othersPerS, String(sum(loads.map(errorsOf))), ratio]
  const codes = new Map<string, number>()
  for (const { other } of attacked) for (const [code, count] of Object.entries(other.statusCodes)) codes.set(code, (codes.get(code) ?? 0) + count)
  out.push('## /healthz while another client sends hostile headers',
    '',
    `One client asks for \`/healthz\` (1 connection, as fast as it is answered) on the mock at its defaults, alone and while another client (1 connection) sends, in turn, the ${attacks.length} worst-case 16 KB headers of the test suite (\`test/helpers/hostile-input.ts\`): Prefer, Authorization, X-Auth-Email with X-Auth-Key on the downloads path; Range, If-None-Match and If-Range on the media path of a ready download. A parser that took more than linear time would hold the health check up behind it. ${ROUNDS} rounds, alternating order, the same server; each measurement ${WARMUP} s of warm-up then ${SECONDS} s.`,
    '',
    table(['/healthz', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'other client\'s requests/s', 'errors', 'p99 / alone'], [
      row('alone', alone.map((m) => m.load), '1', '–'),
      row('under attack', attacked.map((a) => a.health.load), fmt(p99Ratio), int(median(attacked.map((a) => a.other.rps)))),
      row('beside harmless 16 KB headers', control.map((c) => c.health.load), fmt(controlRatio), int(median(control.map((c) => c.other.rps))))
    ]),
    '',
    `The control (last row): the same requests, each with one \`X-Padding\` header of the same size instead of its hostile ones (and valid credentials on the downloads path): one connection sending 16 KB headers holds a single-threaded server up by itself, whatever the headers say. The attack's answers, by status: ${[...codes].sort().map(([code, count]) => `${code}: ${int(count)}`).join(', ')}; socket errors of both other clients: ${attackSocketErrors}.`,
    '',
    `- ${verdict(pass)} /healthz p99 under attack ${fmt(p99Ratio)}× alone, ${fmt(againstControl)}× beside the harmless headers of the same size (target ≤ ${TARGETS.hostileP99}: the hostile text costs no more than any 16 KB header), ${healthErrors} /healthz errors and ${attackSocketErrors} socket errors of the other clients (target 0)`,
    '')
  return pass
}

// ---- 7. the GET path with a dashboard open and streaming -----------------------------------------

/** What the dashboard's page subscribes to and how often it re-reads (dashboard/dashboard.js). */
const DASHBOARD_CLIENT = { types: 'download.transition,clock.change,fault.taken,journal.entry', refreshMs: 400, pageSize: 50 }

/** Starts the bench's open dashboard (dashboard-client.ts) on a server and waits until it streams. */
async function openDashboard (server: Server): Promise<{ stop: () => Promise<DashboardClientResult> }> {
  let streaming: () => void = () => {}
  const ready = new Promise<void>((resolve) => { streaming = resolve })
  const client = startNode([child('dashboard-client.js'), JSON.stringify({ ...DASHBOARD_CLIENT, port: server.port } satisfies DashboardClientSpec)], {}, (line) => {
    if (line === '{"phase":"streaming"}') streaming()
  })
  const timeout = setTimeout(() => { void client.stop(1000) }, 30_000)
  await Promise.race([ready, client.exited])
  clearTimeout(timeout)
  if (client.child.exitCode !== null || client.child.signalCode !== null) throw new Error(`the dashboard client did not stream:\n${client.output()}`)
  return {
    stop: async () => {
      await client.stop()
      const line = client.output().split('\n').find((text) => text.startsWith('{"events"'))
      if (line === undefined) throw new Error(`the dashboard client printed no result:\n${client.output()}`)
      return JSON.parse(line) as DashboardClientResult
    }
  }
}

/**
 * Issue 14's "the dashboard costs the GET path nothing measurable": in the same run, the mock's
 * GET against bare Fastify without a dashboard and with one open and streaming (its events,
 * journal entries included, and the re-reads they cause); the ratio of the two ratios.
 */
async function dashboardCost (out: string[]): Promise<boolean> {
  log('dashboard: starting the mock and bare Fastify')
  const mock = await startMock()
  const first = await http(mock.port, 'GET', GET_PATH, { headers: { ...AUTH, host: `127.0.0.1:${mock.port}` } })
  if (first.status !== 200) throw new Error(`the mock answered ${first.status} to the bench's GET: ${first.body}`)
  const bare = await startBare(first.body)
  const connections = 10
  const base: Measured[] = []
  const plain: Measured[] = []
  const open: Measured[] = []
  const clients: DashboardClientResult[] = []
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const variants = ['bare', 'mock', 'mock with a dashboard']
      for (const which of round % 2 === 0 ? variants : variants.reverse()) {
        log(`dashboard: round ${round + 1}/${ROUNDS}, ${which}`)
        if (which === 'bare') base.push(await load(bare, getSpec(connections)))
        else if (which === 'mock') plain.push(await load(mock, getSpec(connections)))
        else {
          const dashboard = await openDashboard(mock)
          try {
            open.push(await load(mock, getSpec(connections)))
          } finally {
            clients.push(await dashboard.stop())
          }
        }
      }
    }
  } finally {
    await Promise.all([mock.proc.stop(), bare.proc.stop()])
  }
  const per = (runs: Measured[], pick: (m: Measured) => number): number[] => runs.map((m, i) => pick(m) / pick(base[i] as Measured))
  const without = per(plain, (m) => m.load.rps)
  const withOpen = per(open, (m) => m.load.rps)
  // The median of the per-round ratios of ratios: each round's three ran back to back.
  const ratio = median(withOpen.map((value, i) => value / (without[i] as number)))
  const p99Ratio = median(open.map((m, i) => m.load.p99 / (plain[i] as Measured).load.p99))
  const cpuRatio = median(open.map((m, i) => m.cpuUsPerRequest / (plain[i] as Measured).cpuUsPerRequest))
  const errors = sum([...plain, ...open].map((m) => errorsOf(m.load))) + sum(clients.map((c) => c.errors))
  const pass = ratio >= TARGETS.dashboardRatio && errors === 0
  const row = (name: string, runs: Measured[], ratios: string): string[] =>
    [name, int(median(runs.map((m) => m.load.rps))), fmt(median(runs.map((m) => m.load.p50))), fmt(median(runs.map((m) => m.load.p99))), fmt(median(runs.map((m) => m.cpuUsPerRequest)), 0), String(sum(runs.map((m) => errorsOf(m.load)))), ratios]
  const eventsPerS = median(clients.map((c) => c.events / (WARMUP + SECONDS)))
  out.push('## The GET path with a dashboard open and streaming',
    '',
    `The mock at its defaults and bare Fastify, ${connections} connections on the downloads GET; in each of ${ROUNDS} rounds (alternating order): bare Fastify, the mock alone, and the mock while a dashboard is open (\`bench/dashboard-client.ts\`, its own process: \`GET /__mock/events?types=${DASHBOARD_CLIENT.types}\` read with fetch as the page reads it, journal entries included as the page asks for them, and on events the page's re-reads, at most one per ${DASHBOARD_CLIENT.refreshMs} ms: a page of ${DASHBOARD_CLIENT.pageSize} videos, the fault rules, the journal's tail, each account's clock). Each measurement ${WARMUP} s of warm-up then ${SECONDS} s.`,
    '',
    table(['mock', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'errors', 'req/s / bare Fastify'], [
      row('alone', plain, fmt(median(without))),
      row('with a dashboard open', open, fmt(median(withOpen)))
    ]),
    '',
    `The dashboard received ${int(eventsPerS)} events/s (median; ${int(median(clients.map((c) => c.bytes / (WARMUP + SECONDS))))} bytes/s) and re-read the state ${int(median(clients.map((c) => c.refreshes)))} times a measurement (${int(median(clients.map((c) => c.requests)))} admin requests). With it open, p99 ${fmt(p99Ratio)}× and server CPU per request ${fmt(cpuRatio)}× the mock alone.`,
    '',
    `- ${verdict(pass)} the GET ratio against bare Fastify with a dashboard open and streaming is ${fmt(ratio)}× the ratio without (target ≥ ${TARGETS.dashboardRatio}; median of the per-round ratios), ${errors} errors (target 0)`,
    '')
  return pass
}

// ---- the run -------------------------------------------------------------------------------------

function machine (): string[] {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : ''
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown'
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() || String(cpus().length)
  return [
    `- Machine: ${nproc} CPUs (nproc), ${model}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB of memory`,
    `- Node ${process.version}, ${new Date().toISOString()}`,
    `- Load average at the start: ${loadavg().map((value) => value.toFixed(2)).join(', ')} (the machine is shared: read the ratios, not the absolute figures)`
  ]
}

async function main (): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'stream-downloads-mock-bench-'))
  installCleanup(() => { rmSync(tmp, { recursive: true, force: true }) })
  const began = performance.now()
  buildIfStale()
  compileChildren()

  // Fixture folders: the bundled fixtures plus the bench's own (a folder loads its files in name order).
  const folder = (name: string, document: object, withBundled = true): string => {
    const dir = join(tmp, name)
    mkdirSync(dir)
    if (withBundled) copyFileSync(DEFAULT_FIXTURES, join(dir, 'a-default.json'))
    writeFileSync(join(dir, 'b-bench.json'), JSON.stringify(document))
    return dir
  }
  const spreadSpanMs = (WARMUP + SECONDS + 4) * 1000
  const spread = Array.from({ length: SPREAD }, (_, i) => 1000 + Math.round(spreadSpanMs * i / SPREAD))
  const soakVideos = Array.from({ length: 20 }, (_, i) => benchVideo(SCALE + i))
  const dirs = {
    tmp,
    // Slow downloads (0.01 %/s): all still in progress while the RSS is read. Without the bundled
    // fixtures: with them the folder holds 100,006 videos, past MOCK_MAX_VIDEOS (the server refuses
    // to start); the 6 videos fewer than the bundled-fixtures server are noise in the RSS figures.
    scale: folder('scale', fixtureFinishingAt(new Array<number>(SCALE).fill(10_000_000)), false),
    spread: folder('spread', fixtureFinishingAt(spread)),
    soak: folder('soak', { videos: soakVideos.map((id) => ({ id, account: SOAK_ACCOUNT })) })
  }

  const settings = `Settings: BENCH_ROUNDS=${ROUNDS}, BENCH_SECONDS=${SECONDS}, BENCH_WARMUP=${WARMUP}, BENCH_STARTS=${STARTS}, SOAK_SECONDS=${SOAK_SECONDS}${ONLY === undefined ? '' : `, BENCH_ONLY=${[...ONLY].join(',')}`}.`
  const head = ['# Benchmark results', '', `\`npm run bench\` (bench/run.ts); what each figure means: bench/README.md. ${settings}`, '', ...machine(), '']
  const sections: string[] = []
  const verdicts: string[] = []
  const runs = (part: string): boolean => ONLY === undefined || ONLY.has(part)
  if (runs('throughput')) verdicts.push(`${verdict(await throughput(sections))} throughput and p99 against bare Fastify, 10 and 100 connections`)
  if (runs('startup')) {
    await startupAndMemory(sections, dirs)
    verdicts.push(`${verdict(await inProcessStartup(sections))} startMock in process within ${TARGETS.startMockVsListen}× a bare Fastify listen; a reset within ${TARGETS.resetMs} ms`)
  }
  if (runs('store')) verdicts.push(`${verdict(await storeProbe(sections, tmp))} a data file of 100,000 videos opens within ${TARGETS.openVsParse}× a JSON.parse of it, and within half of Fastify's plugin timeout`)
  if (runs('ticker')) verdicts.push(`${verdict(await tickerProbe(sections, tmp))} memory per download in progress (heap held by the store); a tick with 100,000 account clocks within ${TARGETS.manyClocksTick}× one with one`)
  if (runs('ticking')) verdicts.push(`${verdict(await tickingLoad(sections, dirs, spreadSpanMs))} GET p99 while ticking (in memory) within ${TARGETS.tickingP99}× idle`)
  if (runs('soak')) verdicts.push(`${verdict(await soak(sections, dirs, soakVideos))} soak: no errors, no heap growth (after a full GC)`)
  if (runs('dashboard')) verdicts.push(`${verdict(await dashboardCost(sections))} the downloads GET with a dashboard open and streaming at least ${TARGETS.dashboardRatio}× its ratio to bare Fastify without`)
  if (runs('hostile')) verdicts.push(`${verdict(await hostileHeaders(sections, tmp))} /healthz p99 while another client sends worst-case 16 KB headers within ${TARGETS.hostileP99}× its p99 beside harmless headers of the same size`)

  const tail = [`- Load average at the end: ${loadavg().map((value) => value.toFixed(2)).join(', ')}; the run took ${fmt((performance.now() - began) / 60_000, 1)} min.`, '']
  const report = [...head, '## Verdicts', '', ...verdicts.map((line) => `- ${line}`), '', ...sections, ...tail].join('\n')
  writeFileSync(OUT, report)
  process.stdout.write(report + '\n')
  log(`written to ${relative(process.cwd(), OUT) || OUT}`)
}

main().then(() => { process.exit(0) }, (error: unknown) => {
  process.stderr.write(`bench: failed: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
