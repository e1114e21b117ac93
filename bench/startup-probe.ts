/**
 * In-process start and reset, in a child process of the bench, on the built package (dist/),
 * each against bare Fastify in the same process, alternating, after a warm-up:
 *
 * - start: `startMock({ port: 0 })` (bundled fixtures, the ticker on, no logger) until it
 *   resolves, listening; against `Fastify()` with one route and `listen({ port: 0 })`. Each
 *   closed before the next, outside the timing.
 * - reset: `POST /__mock/reset` through `app.inject` on one app of `buildApp` (bundled
 *   fixtures, their file checked again on every reset: unchanged, parsed from the cache); against one `inject` of a bare
 *   Fastify route.
 *
 * argv[2]: JSON { dist: absolute path of dist/index.js, starts, resets }. Prints one JSON line
 * (StartupResult): every sample, in ms.
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'

type MockModule = typeof import('../src/index.js')

/** Wall-clock times, and the process's CPU time (user + system) over the same spans, in ms. */
export interface StartupResult {
  startMockMs: number[]
  bareListenMs: number[]
  startMockCpuMs: number[]
  bareListenCpuMs: number[]
  resetMs: number[]
  bareInjectMs: number[]
}

const WARMUP_STARTS = 3
const WARMUP_INJECTS = 20

async function timed (action: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await action()
  return performance.now() - start
}

/** Wall-clock and CPU time of `action`, ms: CPU time is what another process on the machine disturbs least. */
async function timedWithCpu (action: () => Promise<unknown>): Promise<{ ms: number, cpuMs: number }> {
  const cpu = process.cpuUsage()
  const ms = await timed(action)
  const used = process.cpuUsage(cpu)
  return { ms, cpuMs: (used.user + used.system) / 1000 }
}

async function main (): Promise<void> {
  const { dist, starts, resets } = JSON.parse(process.argv[2] ?? '') as { dist: string, starts: number, resets: number }
  const mock = await import(pathToFileURL(dist).href) as MockModule

  const startMock = async (): Promise<() => Promise<void>> => {
    const running = await mock.startMock({ port: 0 })
    return running.close
  }
  const bareListen = async (): Promise<() => Promise<void>> => {
    const app = Fastify()
    app.get('/healthz', async () => ({ status: 'ok' }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    return async () => { await app.close() }
  }
  const startMockMs: number[] = []
  const bareListenMs: number[] = []
  const startMockCpuMs: number[] = []
  const bareListenCpuMs: number[] = []
  for (let round = -WARMUP_STARTS; round < starts; round++) {
    const order = round % 2 === 0 ? [startMock, bareListen] : [bareListen, startMock]
    for (const start of order) {
      let close: () => Promise<void> = async () => {}
      const { ms, cpuMs } = await timedWithCpu(async () => { close = await start() })
      await close()
      if (round < 0) continue
      ;(start === startMock ? startMockMs : bareListenMs).push(ms)
      ;(start === startMock ? startMockCpuMs : bareListenCpuMs).push(cpuMs)
    }
  }

  const app = await mock.buildApp({ logger: false, autoTick: false })
  await app.ready()
  const bare = Fastify()
  bare.post('/reset', async () => ({ reset: 'all' }))
  await bare.ready()
  const reset = async (): Promise<void> => {
    const answer = await app.inject({ method: 'POST', url: '/__mock/reset' })
    if (answer.statusCode !== 200) throw new Error(`reset answered ${answer.statusCode}: ${answer.body}`)
  }
  const bareInject = async (): Promise<void> => { await bare.inject({ method: 'POST', url: '/reset' }) }
  const resetMs: number[] = []
  const bareInjectMs: number[] = []
  for (let round = -WARMUP_INJECTS; round < resets; round++) {
    const first = await timed(round % 2 === 0 ? reset : bareInject)
    const second = await timed(round % 2 === 0 ? bareInject : reset)
    if (round < 0) continue
    resetMs.push(round % 2 === 0 ? first : second)
    bareInjectMs.push(round % 2 === 0 ? second : first)
  }
  await app.close()
  await bare.close()

  const result: StartupResult = { startMockMs, bareListenMs, startMockCpuMs, bareListenCpuMs, resetMs, bareInjectMs }
  process.stdout.write(JSON.stringify(result) + '\n')
}

main().catch((error: unknown) => {
  process.stderr.write(`startup-probe: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
