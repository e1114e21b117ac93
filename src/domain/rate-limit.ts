/**
 * Cloudflare's API rate limit, as a budget of requests per window for each (credential, account)
 * pair: the `Ratelimit` and `Ratelimit-Policy` headers every answer carries (IETF draft form,
 * as Cloudflare sends them since September 2025), and the 429 past the budget. Pure: the caller
 * passes the time. Fixed windows, started by a pair's first request.
 */

/** Most (credential, account) pairs tracked; past it the least recently used pair is forgotten. */
export const MAX_RATE_KEYS = 10_000

/** Where a pair stands after a request. */
export interface RateDecision {
  /** Requests left in the window (0 once the budget is used up). */
  remaining: number
  /** Seconds until the window ends, rounded up. */
  resetS: number
  /** True when this request is past the budget. */
  limited: boolean
}

interface Window { startMs: number, count: number }

/** The budgets of every pair. */
export class RateBudget {
  readonly budget: number
  readonly windowMs: number
  private readonly maxKeys: number
  private readonly policyText: string
  /** In order of last use (a Map keeps insertion order: a use moves its key to the end). */
  private readonly windows = new Map<string, Window>()

  constructor (budget: number, windowS: number, maxKeys = MAX_RATE_KEYS) {
    this.budget = budget
    this.windowMs = windowS * 1000
    this.maxKeys = maxKeys
    this.policyText = `"default";q=${budget};w=${windowS}`
  }

  /** Counts a request of `key` at `nowMs`. */
  take (key: string, nowMs: number): RateDecision {
    let window = this.windows.get(key)
    if (window === undefined || nowMs - window.startMs >= this.windowMs) {
      window = { startMs: nowMs, count: 0 }
    }
    this.windows.delete(key)
    this.windows.set(key, window)
    if (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value as string)
    window.count++
    const resetS = Math.max(1, Math.ceil((window.startMs + this.windowMs - nowMs) / 1000))
    return { remaining: Math.max(0, this.budget - window.count), resetS, limited: window.count > this.budget }
  }

  /** How many pairs are tracked. */
  get size (): number {
    return this.windows.size
  }

  /** The `Ratelimit-Policy` header's value. */
  policy (): string {
    return this.policyText
  }
}

/** The `Ratelimit` header's value for a decision. */
export function rateLimitHeader (decision: RateDecision): string {
  return `"default";r=${decision.remaining};t=${decision.resetS}`
}
