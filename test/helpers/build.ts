import type { FastifyInstance } from 'fastify'
import tap from 'tap'
import { buildApp, type BuildOptions } from '../../src/app.js'

/** Ids of the bundled default fixtures, named by the scenario each stands for. */
export const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353'
export const VIDEOS = {
  ready: 'ea95132c15732412d22c1476fa83f27a',
  inProgress: '5d5bc37ffcf54c9b82e996823bffbb81',
  failing: '6b9e68b07dfee8cc2d116e4c51d6a957',
  empty: '9c3f0c4a2a6e4d6fb0a1c2d3e4f50607',
  failsOnCreate: '3f6e2d1c0b9a48a7b6c5d4e3f2a1b0c9',
  failed: '0ad1c2b3e4f5a6b7c8d9e0f1a2b3c4d5'
} as const
export const OTHER_ACCOUNT = 'ffffffffffffffffffffffffffffffff'
export const UNKNOWN_VIDEO = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'

/** Credentials that pass the default check. */
export const AUTH = { authorization: 'Bearer test-token' } as const

/** Path of a video's downloads under the API prefix. */
export function downloadsPath (video: string, account: string = ACCOUNT, type?: string): string {
  return `/client/v4/accounts/${account}/stream/${video}/downloads${type === undefined ? '' : `/${type}`}`
}

interface TapLike { teardown: (fn: () => unknown) => void }

/**
 * Builds the app for a test: no logs, no wall-clock ticker (tests call `app.mock.clock.advance`),
 * closed when the test ends.
 */
export async function build (t: TapLike, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = await buildApp({ logger: false, autoTick: false, ...options })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

let shared: Promise<FastifyInstance> | undefined

/**
 * The default app (as `build(t)` with no options), one per test file: built on first use, closed
 * when the file's tests end, and reset at every later use with POST /__mock/reset (videos back to
 * the fixtures, clocks at 0, default progression, no fault rules, an empty journal). For tests
 * that neither listen, close the app nor count fault ids or journal seqs (a reset keeps counting);
 * building an app takes 0.2-0.8 s, a reset a few ms.
 */
export async function sharedApp (): Promise<FastifyInstance> {
  if (shared === undefined) {
    shared = build(tap)
    return await shared
  }
  const app = await shared
  const reset = await app.inject({ method: 'POST', url: '/__mock/reset' })
  if (reset.statusCode !== 200) throw new Error(`reset of the shared app: ${reset.statusCode} ${reset.body}`)
  return app
}
