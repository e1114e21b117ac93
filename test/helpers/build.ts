import type { FastifyInstance } from 'fastify'
import tap from 'tap'
import { buildApp, type BuildOptions } from '../../src/app.js'
import { ACCOUNT } from './ids.js'

export { ACCOUNT, OTHER_ACCOUNT, UNKNOWN_VIDEO, VIDEOS } from './ids.js'

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
