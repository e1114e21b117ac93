/**
 * Mock time: one global clock, and a clock of its own for each account that asked for one (so
 * parallel test workers, each on its own account, can freeze or step time without touching each
 * other). The states are plain objects that the store persists.
 *
 * While the book follows the wall clock (the ticker runs), a clock's time is derived, never
 * accumulated: its mock time at its anchor plus rate × the wall time since, unless it is frozen.
 * So no tick has to visit a clock, a running clock reads continuously between ticks, and a
 * hundred thousand clocks cost nothing until one is read. A change (a step, a freeze, a rate)
 * first writes the reading down as the new anchor. Not following (tests, `autoTick: false`),
 * mock time moves only by `advance` and by `tick`.
 */

/** One clock: mock time at its anchor, whether time moves it, and how fast (mock ms per real ms). */
export interface ClockState {
  /** Mock time when the clock was last anchored (what the data file saves). */
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
  /** Wall time (ms) at each clock's anchor; a clock not in it was anchored when following began. */
  private readonly anchoredAt = new WeakMap<ClockState, number>()
  private readonly wall: () => number
  /** Whether clocks follow the wall clock; when they began to (wall ms), else undefined. */
  private followingSince: number | undefined

  /** Over the caller's states; `wall` reads the wall clock (ms), default Date.now. */
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
   * Starts or stops following the wall clock. Stopping writes every running clock's reading down
   * first, so what it read stays; starting anchors every clock now (downtime does not count).
   */
  follow (on: boolean): void {
    if (on === this.following) return
    if (!on) this.settle()
    this.followingSince = on ? this.wall() : undefined
  }

  /** A clock's mock time now. */
  read (clock: ClockState): number {
    if (this.followingSince === undefined || clock.frozen || clock.rate === 0) return clock.nowMs
    const since = this.anchoredAt.get(clock) ?? this.followingSince
    return clock.nowMs + Math.floor((this.wall() - since) * clock.rate)
  }

  /** Writes a clock's reading down as its anchor, before a change to it. */
  anchor (clock: ClockState): void {
    clock.nowMs = this.read(clock)
    if (this.followingSince !== undefined) this.anchoredAt.set(clock, this.wall())
  }

  /** Anchors every clock (before the states are saved: the file then holds their readings). */
  settle (): void {
    if (this.followingSince === undefined) return
    this.anchor(this.global)
    for (const clock of Object.values(this.accounts)) this.anchor(clock)
  }

  /** Whether any clock moves with time (not frozen, rate above 0). O(clocks): ask rarely. */
  anyRunning (): boolean {
    const running = (clock: ClockState): boolean => !clock.frozen && clock.rate > 0
    return running(this.global) || Object.values(this.accounts).some(running)
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
    return this.read(this.clockOf(account))
  }

  /** Gives `account` a clock of its own, starting as a copy of the global clock; true when new. */
  detach (account: string): boolean {
    if (Object.hasOwn(this.accounts, account)) return false
    const clock = { ...this.global, nowMs: this.read(this.global) }
    this.accounts[account] = clock
    if (this.followingSince !== undefined) this.anchoredAt.set(clock, this.wall())
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
   * realMs × rate. Returns their keys. For a book that does not follow the wall clock (tests,
   * the bench); one that follows it needs no ticks.
   */
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
