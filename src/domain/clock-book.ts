/**
 * Mock time: one global clock, and a clock of its own for each account that asked for one (so
 * parallel test workers, each on its own account, can freeze or step time without touching each
 * other). The states are plain objects that the store persists.
 *
 * A clock's time is derived, never accumulated: its mock time at its anchor plus rate × the time
 * the book has run since (`elapsedMs`), unless it is frozen. The book runs with the wall clock
 * while it follows it (the ticker runs), and by `tick(realMs)` otherwise (tests, the bench). So no
 * tick has to visit a clock, a running clock reads continuously between ticks, a hundred thousand
 * clocks cost nothing until one is read, and one big step and many small ones agree. A change
 * (a step, a freeze, a rate) first writes the reading down as the new anchor.
 */

/** One clock: mock time at its anchor, whether time moves it, and how fast (mock ms per real ms). */
export interface ClockState {
  /** Mock time when the clock was last anchored. */
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

/** A stored clock with its optional fields filled in (running, rate 1), in place. */
export function fullClock (clock: { nowMs: number, frozen?: boolean, rate?: number }): ClockState {
  clock.frozen ??= false
  clock.rate ??= 1
  return clock as ClockState
}

/** Whether time moves a clock. */
export function isRunning (clock: ClockState): boolean {
  return !clock.frozen && clock.rate > 0
}

/** A clock's reading `elapsedMs` of book time after its anchor. */
export function readingAfter (clock: ClockState, elapsedMs: number): number {
  return isRunning(clock) ? clock.nowMs + Math.floor(elapsedMs * clock.rate) : clock.nowMs
}

/** The global clock and the accounts' own clocks, over state objects owned by the caller. */
export class ClockBook {
  readonly global: ClockState
  readonly accounts: Record<string, ClockState>
  /** How many accounts have a clock of their own (kept by detach and attach). */
  private ownCount: number
  /** Book time (`elapsedMs`) at each clock's anchor; a clock not in it was anchored at 0. */
  private readonly anchoredAt = new WeakMap<ClockState, number>()
  private readonly wall: () => number
  /** Book time run before the current following began, plus every tick. */
  private elapsedBefore = 0
  /** Whether clocks follow the wall clock; when they began to (wall ms), else undefined. */
  private followingSince: number | undefined

  /** Over the caller's states, all anchored now; `wall` reads the wall clock (ms), default Date.now. */
  constructor (global: ClockState, accounts: Record<string, ClockState>, wall: () => number = Date.now) {
    this.global = global
    this.accounts = accounts
    this.ownCount = Object.keys(accounts).length
    this.wall = wall
  }

  /** Whether clocks follow the wall clock. */
  get following (): boolean {
    return this.followingSince !== undefined
  }

  /**
   * Book time: the ms the book has run since it was made, by the wall clock while following it
   * and by ticks otherwise. Downtime (not following, no ticks) does not count.
   */
  get elapsedMs (): number {
    return this.elapsedBefore + (this.followingSince === undefined ? 0 : this.wall() - this.followingSince)
  }

  /** Starts or stops following the wall clock; readings stay where they were either way. */
  follow (on: boolean): void {
    if (on === this.following) return
    if (!on) this.elapsedBefore = this.elapsedMs
    this.followingSince = on ? this.wall() : undefined
  }

  /** A clock's mock time now. */
  read (clock: ClockState): number {
    return readingAfter(clock, this.elapsedMs - (this.anchoredAt.get(clock) ?? 0))
  }

  /** Writes a clock's reading down as its anchor, before a change to it. */
  anchor (clock: ClockState): void {
    const elapsed = this.elapsedMs
    clock.nowMs = readingAfter(clock, elapsed - (this.anchoredAt.get(clock) ?? 0))
    this.anchoredAt.set(clock, elapsed)
  }

  /** Whether any clock moves with time. O(clocks): ask rarely. */
  anyRunning (): boolean {
    return isRunning(this.global) || Object.values(this.accounts).some(isRunning)
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

  /** The clock of a schedule key (GLOBAL_CLOCK or an account with its own). */
  clockAt (key: string): ClockState {
    return key === GLOBAL_CLOCK ? this.global : this.clockOf(key)
  }

  /** Mock time for `account`. */
  now (account?: string): number {
    return this.read(this.clockOf(account))
  }

  /** Every clock's key and reading now (what a snapshot saves). */
  readings (): { global: ClockState, accounts: Record<string, ClockState> } {
    const reading = (clock: ClockState): ClockState => ({ nowMs: this.read(clock), frozen: clock.frozen, rate: clock.rate })
    const accounts: Record<string, ClockState> = {}
    for (const account of Object.keys(this.accounts)) accounts[account] = reading(this.accounts[account] as ClockState)
    return { global: reading(this.global), accounts }
  }

  /** Gives `account` a clock of its own, starting as a copy of the global clock; true when new. */
  detach (account: string): boolean {
    if (Object.hasOwn(this.accounts, account)) return false
    const clock = { ...this.global, nowMs: this.read(this.global) }
    this.accounts[account] = clock
    this.anchoredAt.set(clock, this.elapsedMs)
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

  /**
   * A step of `realMs` as if that much real time had passed: every running clock moves on by
   * realMs × rate. For a book that does not follow the wall clock (tests, the bench); one that
   * follows it needs no ticks. Visits no clock.
   */
  tick (realMs: number): void {
    this.elapsedBefore += realMs
  }
}
