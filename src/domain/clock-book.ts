/**
 * Mock time: one global clock, and a clock of its own for each account that asked for one (so
 * parallel test workers, each on its own account, can freeze or step time without touching each
 * other). Pure: the states are plain objects that the store persists.
 */

/** One clock: mock time, whether the ticker moves it, and how fast (mock ms per real ms). */
export interface ClockState {
  nowMs: number
  frozen: boolean
  rate: number
}

/** The key of the global clock in schedules; account clocks are keyed by account id. */
export const GLOBAL_CLOCK = 'global'

/** A new running clock at `nowMs`. */
export function newClock (nowMs = 0): ClockState {
  return { nowMs, frozen: false, rate: 1 }
}

/** The global clock and the accounts' own clocks, over state objects owned by the caller. */
export class ClockBook {
  readonly global: ClockState
  readonly accounts: Record<string, ClockState>
  /** How many accounts have a clock of their own (kept by detach and attach). */
  private ownCount: number

  constructor (global: ClockState, accounts: Record<string, ClockState>) {
    this.global = global
    this.accounts = accounts
    this.ownCount = Object.keys(accounts).length
  }

  /** How many accounts have a clock of their own. */
  get accountClocks (): number {
    return this.ownCount
  }

  /** The key of the clock that `account` follows: its own, or the global one. */
  keyOf (account: string | undefined): string {
    return account !== undefined && Object.hasOwn(this.accounts, account) ? account : GLOBAL_CLOCK
  }

  /** The clock `account` follows (the global clock when `account` is undefined or has none). */
  clockOf (account: string | undefined): ClockState {
    const key = this.keyOf(account)
    return key === GLOBAL_CLOCK ? this.global : this.accounts[key] as ClockState
  }

  /** Mock time for `account`. */
  now (account?: string): number {
    return this.clockOf(account).nowMs
  }

  /** Gives `account` a clock of its own, starting as a copy of the global clock; true when new. */
  detach (account: string): boolean {
    if (Object.hasOwn(this.accounts, account)) return false
    this.accounts[account] = { ...this.global }
    this.ownCount++
    return true
  }

  /** Makes `account` follow the global clock again; true when it had its own. */
  attach (account: string): boolean {
    if (!Object.hasOwn(this.accounts, account)) return false
    delete this.accounts[account]
    this.ownCount--
    return true
  }

  /** One tick of `realMs` real time: every running clock moves on by realMs × rate. Returns their keys. */
  tick (realMs: number): string[] {
    const moved: string[] = []
    if (this.move(this.global, realMs)) moved.push(GLOBAL_CLOCK)
    for (const [account, clock] of Object.entries(this.accounts)) if (this.move(clock, realMs)) moved.push(account)
    return moved
  }

  private move (clock: ClockState, realMs: number): boolean {
    if (clock.frozen || clock.rate === 0) return false
    clock.nowMs += Math.round(realMs * clock.rate)
    return true
  }
}
