/**
 * The long fuzz run: the same requests and invariants as test/fuzz.test.ts, many more runs and a
 * random seed. `npm run fuzz`; FUZZ_RUNS (default 20000), FUZZ_STEPS (most requests per run,
 * default 20); FUZZ_SEED and FUZZ_PATH, both printed on a failure, replay it.
 */
import fc from 'fast-check'
import { buildApp } from '../src/app.js'
import { FuzzHarness, FuzzStats, fuzzProperty } from '../test/helpers/fuzz.js'

function intFromEnv (name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value)) {
    process.stderr.write(`fuzz: ${name} must be an integer (got ${raw})\n`)
    process.exit(2)
  }
  return value
}

const runs = intFromEnv('FUZZ_RUNS', 20_000)
const steps = intFromEnv('FUZZ_STEPS', 20)
const seed = intFromEnv('FUZZ_SEED', Math.floor(Math.random() * 2 ** 31))
const path = process.env.FUZZ_PATH
const out = (line: string): void => { process.stdout.write(`${line}\n`) }

out(`fuzz: ${runs} runs of up to ${steps} requests, seed ${seed}${path === undefined ? '' : `, path ${path}`}`)
const app = await buildApp({ logger: false, autoTick: false })
await app.ready()
const stats = new FuzzStats()
const harness = new FuzzHarness(app, stats)
await harness.init()

const started = performance.now()
const elapsed = (): string => ((performance.now() - started) / 1000).toFixed(1)
const progress = setInterval(() => { out(`  ${stats.runs} runs, ${stats.requests} requests, ${elapsed()} s`) }, 15_000)
progress.unref()
const details = await fc.check(fuzzProperty(harness, steps), { seed, numRuns: runs, ...(path === undefined ? {} : { path }) })
clearInterval(progress)
const seconds = elapsed()

const sorted = (counts: Record<string, number>): string => Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${key}: ${count}`).join(', ')
out(`runs: ${details.numRuns} (${stats.runs} property runs, shrinking included), requests: ${stats.requests}, in ${seconds} s`)
out(`targets: ${sorted(stats.byTarget)}`)
out(`statuses: ${sorted(stats.byStatus)}`)
out(`video changes: ${sorted(stats.videoChanges)}; account 404s checked: ${stats.unknownAccounts}`)
out(`contract checks: ${stats.contractChecks}, forced 5xx: ${stats.forced5xx}, lowering admin writes: ${stats.lowering}, fault rules added: ${stats.faultsAdded} (${stats.faultsNeutralised} dropping or slow ones deleted)`)
await app.close()

if (details.failed) {
  out('')
  out(fc.defaultReportMessage(details) ?? 'failed')
  const error = details.errorInstance
  out('')
  out(error instanceof Error ? error.message : String(error))
  out('')
  out(`replay: FUZZ_SEED=${seed} FUZZ_PATH=${details.counterexamplePath ?? ''} FUZZ_STEPS=${steps} npm run fuzz`)
  process.exitCode = 1
} else {
  out('ok: every invariant held')
}
