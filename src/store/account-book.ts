import type { StoredAccount } from '../schemas/store.js'

/**
 * The declared accounts (fixtures, admin API) and their settings: an account exists when it is
 * declared here or holds a video (see VideoTable). Only the declarations are here; an account's
 * videos, clock, keys and webhook live where they always did.
 */
export class AccountBook {
  private readonly accounts = new Map<string, StoredAccount>()

  /** The book over stored data (a snapshot's `accounts`), or empty. */
  constructor (data?: Record<string, StoredAccount>) {
    if (data !== undefined) for (const id of Object.keys(data)) this.accounts.set(id, data[id] as StoredAccount)
  }

  /** How many accounts are declared. */
  get size (): number {
    return this.accounts.size
  }

  /** The settings of a declared account, or undefined. */
  get (id: string): StoredAccount | undefined {
    return this.accounts.get(id)
  }

  /** Whether the account is declared. */
  has (id: string): boolean {
    return this.accounts.has(id)
  }

  /** Declares an account, or replaces its settings. */
  set (id: string, settings: StoredAccount): void {
    this.accounts.set(id, settings)
  }

  /** Removes a declaration; false when there was none. */
  delete (id: string): boolean {
    return this.accounts.delete(id)
  }

  /** Every declared account with its settings, in the order they were declared. */
  entries (): IterableIterator<[string, StoredAccount]> {
    return this.accounts.entries()
  }

  /** Puts these declarations in place of all others (a reset). */
  replace (accounts: ReadonlyMap<string, StoredAccount>): void {
    this.accounts.clear()
    for (const [id, settings] of accounts) this.accounts.set(id, settings)
  }

  /** The declarations as a snapshot stores them, or undefined when there are none (the head then has no `accounts`). */
  toData (): Record<string, StoredAccount> | undefined {
    if (this.accounts.size === 0) return undefined
    const data: Record<string, StoredAccount> = {}
    for (const [id, settings] of this.accounts) data[id] = settings
    return data
  }
}
