import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { DownloadStore } from '../store/download-store.js'
import { addMockPart } from './mock-parts.js'

/**
 * Mock time and the ticker. While the ticker runs, the clocks follow the wall clock (their time
 * is derived when read: see ClockBook), and every tick writes down the transitions that came due.
 * Without it (`autoTick: false`), mock time moves only by `advance`, and by `tick`, which steps
 * the running clocks by one tick period: tests and the admin API use those instead of waiting.
 */
export class MockClock {
  private readonly store: DownloadStore
  readonly tickMs: number
  private timer: NodeJS.Timeout | undefined

  constructor (store: DownloadStore, tickMs: number) {
    this.store = store
    this.tickMs = tickMs
  }

  /** Global mock time, in ms since the fixtures were first loaded. */
  get nowMs (): number {
    return this.store.nowMs
  }

  /** Moves the global clock (or the account's own) on by `ms`, frozen or not; returns the transitions recorded. */
  advance (ms: number, account?: string): number {
    return this.store.advance(ms, account)
  }

  /** One ticker period: due transitions written down (and, with the ticker stopped, the clocks stepped by `tickMs` first). */
  tick (): number {
    return this.store.tick(this.tickMs)
  }

  /** True while the ticker runs. */
  get running (): boolean {
    return this.timer !== undefined
  }

  /** Starts the ticker (idempotent). */
  start (): void {
    if (this.timer !== undefined) return
    this.store.follow(true)
    this.timer = setInterval(() => this.tick(), this.tickMs)
    // The ticker alone must not keep a process alive: the server's socket does that.
    this.timer.unref()
  }

  /** Stops the ticker (idempotent). */
  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.store.follow(false)
  }
}

export interface ClockPluginOptions {
  tickMs: number
  /** Start the ticker when the app is ready (default true; tests drive `advance` instead). */
  autoTick?: boolean
}

/** Decorates the app with the clock; the ticker runs from ready to close. */
export default fp(async function clockPlugin (app: FastifyInstance, options: ClockPluginOptions) {
  const clock = new MockClock(app.mock.store, options.tickMs)
  addMockPart(app, 'clock', clock)
  if (options.autoTick !== false) app.addHook('onReady', async () => { clock.start() })
  app.addHook('preClose', async () => { clock.stop() })
}, { name: 'clock', dependencies: ['store'] })
