import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { DownloadStore } from '../store/download-store.js'

/**
 * Mock time and the ticker. Every tick moves mock time on by the tick period and lets the store
 * write down the transitions that came due; tests call `advance` instead of waiting.
 */
export class MockClock {
  private readonly store: DownloadStore
  readonly tickMs: number
  private timer: NodeJS.Timeout | undefined

  constructor (store: DownloadStore, tickMs: number) {
    this.store = store
    this.tickMs = tickMs
  }

  /** Mock time, in ms since the fixtures were first loaded. */
  get nowMs (): number {
    return this.store.nowMs
  }

  /** Moves mock time on by `ms` and records the transitions due; returns how many. */
  advance (ms: number): number {
    this.store.nowMs += ms
    return this.store.settleDue()
  }

  /** True while the ticker runs. */
  get running (): boolean {
    return this.timer !== undefined
  }

  /** Starts the ticker (idempotent). */
  start (): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => this.advance(this.tickMs), this.tickMs)
    // The ticker alone must not keep a process alive: the server's socket does that.
    this.timer.unref()
  }

  /** Stops the ticker (idempotent). */
  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }
}

export interface ClockPluginOptions {
  tickMs: number
  /** Start the ticker when the app is ready (default true; tests drive `advance` instead). */
  autoTick?: boolean
}

/** Decorates the app with the clock; the ticker runs from ready to close. */
export default fp(async function clockPlugin (app: FastifyInstance, options: ClockPluginOptions) {
  const clock = new MockClock(app.store, options.tickMs)
  app.decorate('clock', clock)
  if (options.autoTick !== false) app.addHook('onReady', async () => { clock.start() })
  app.addHook('preClose', async () => { clock.stop() })
}, { name: 'clock', dependencies: ['store'] })
