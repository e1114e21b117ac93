/**
 * The load generator, a child process of the bench so that it never shares an event loop with the
 * orchestrator: autocannon's API against 127.0.0.1 only, a warm-up run (discarded), then the
 * measured run. Latencies are taken from each response (sub-millisecond; autocannon's own
 * histogram keeps whole milliseconds) for exact p50/p99. Prints `{"phase":"measure"}` when the measured run starts, then one JSON line (LoadResult).
 *
 * Scenarios: `get`, one GET path on every connection; `soak`, the mixed load of the soak (each
 * connection its own video: create, read, create audio, read, delete both, read, advance the clock);
 * `requests`, the requests of a JSON file (`requestsFile`: too large for the command line), in
 * turn on every connection: the hostile headers' attack.
 */
import { readFileSync } from 'node:fs'
import autocannon, { type Options, type Request } from 'autocannon'

export interface LoadSpec {
  port: number
  scenario: 'get' | 'soak' | 'requests'
  /** The GET path (`get`), or the downloads paths of the soak's videos, one per connection (`soak`). */
  paths: string[]
  /** `requests`: a JSON file of `{ method, path, headers }` objects, sent in turn. */
  requestsFile?: string
  connections: number
  durationS: number
  warmupS: number
  headers: Record<string, string>
  /** Requests per second over all connections (autocannon `overallRate`); none: as fast as possible. */
  overallRate?: number
}

export interface LoadResult {
  requests: number
  durationS: number
  rps: number
  /** Latency percentiles of every answered request, in ms. */
  p50: number
  p99: number
  p999: number
  max: number
  non2xx: number
  /** Socket errors, timeouts and resets. */
  socketErrors: number
  statusCodes: Record<string, number>
}

/** The value at quantile q of sorted values (nearest rank). */
function quantile (sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

function optionsOf (spec: LoadSpec, durationS: number): Options {
  const base = `http://127.0.0.1:${spec.port}`
  const common = { connections: spec.connections, duration: durationS, headers: spec.headers, timeout: 10 }
  const rate = spec.overallRate === undefined ? {} : { overallRate: spec.overallRate }
  if (spec.scenario === 'get') return { ...common, ...rate, url: base + (spec.paths[0] as string) }
  if (spec.scenario === 'requests') {
    const requests = JSON.parse(readFileSync(spec.requestsFile as string, 'utf8')) as Request[]
    return { ...common, ...rate, url: base, requests }
  }
  // Each connection gets one url (autocannon gives connection i the url i % n): requests that
  // name no path use it, and setupRequest derives the typed path from it, per connection.
  const audio = (request: Request): Request => ({ ...request, path: `${request.path ?? ''}/audio` })
  const same = (request: Request): Request => request
  const json = { 'content-type': 'application/json' }
  return {
    ...common,
    ...rate,
    url: spec.paths.map((path) => base + path),
    requests: [
      { method: 'POST', setupRequest: same },
      { method: 'GET', setupRequest: same },
      { method: 'POST', setupRequest: audio },
      { method: 'GET', setupRequest: same },
      { method: 'DELETE', setupRequest: audio },
      { method: 'DELETE', setupRequest: same },
      { method: 'GET', setupRequest: same },
      { method: 'POST', path: '/__mock/clock/advance', headers: json, body: '{"ms":250}', setupRequest: same }
    ]
  }
}

async function measure (spec: LoadSpec, durationS: number): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16)
  let count = 0
  const instance = autocannon(optionsOf(spec, durationS))
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2)
      grown.set(latencies)
      latencies = grown
    }
    latencies[count++] = responseTime
  })
  const result = await instance
  const sorted = latencies.slice(0, count).sort()
  const statusCodes: Record<string, number> = {}
  for (const [code, stats] of Object.entries(result.statusCodeStats)) statusCodes[code] = stats.count
  return {
    requests: count,
    durationS: result.duration,
    rps: count / result.duration,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    non2xx: result.non2xx,
    socketErrors: result.errors + result.timeouts + result.resets,
    statusCodes
  }
}

async function main (): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec
  if (spec.warmupS > 0) await measure(spec, spec.warmupS)
  // The bench reads the server's CPU time now and after the run: CPU per request.
  process.stdout.write('{"phase":"measure"}\n')
  const result = await measure(spec, spec.durationS)
  process.stdout.write(JSON.stringify(result) + '\n')
}

main().catch((error: unknown) => {
  process.stderr.write(`load-worker: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
