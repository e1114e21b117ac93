/**
 * Signing keys, webhook subscriptions and the mock's own token key: the state of signed URLs and
 * webhooks, by account. Only public keys are kept (a key's private half is shown once, at
 * creation, as Cloudflare does). Every change is told to `changed` with its mark (see
 * `signingMark`), so persistence writes one line for it.
 */
import { RefusedChange } from '../domain/errors.js'
import type { SigningData, StoredSigningKey, StoredWebhook, TokenKey } from '../schemas/signing.js'

/** Most signing keys an account holds (Cloudflare's documented limit). */
export const MAX_KEYS_PER_ACCOUNT = 1000

/** Most signing keys the mock holds over all accounts (the mock's bound on memory). */
export const MAX_KEYS = 10_000

/** Most webhook subscriptions the mock holds (one per account). */
export const MAX_WEBHOOKS = 10_000

/** What changed, for persistence: a key, a subscription, or the mock's token key. */
export type SigningMark = `key/${string}/${string}` | `webhook/${string}` | 'tokenKey'

/** A key found by its id, with the account that holds it. */
export interface FoundKey { account: string, key: StoredSigningKey }

/** The signing keys and webhook subscriptions of every account. */
export class SigningBook {
  private readonly keys = new Map<string, Map<string, StoredSigningKey>>()
  private readonly byId = new Map<string, FoundKey>()
  private readonly webhooks = new Map<string, StoredWebhook>()
  private keyCount = 0
  tokenKey: TokenKey | undefined
  private readonly changed: (mark: SigningMark) => void

  constructor (data: SigningData | undefined, changed: (mark: SigningMark) => void) {
    this.changed = changed
    this.load(data)
  }

  /** Replaces everything with `data` (a start, or a data file's content). */
  private load (data: SigningData | undefined): void {
    this.tokenKey = data?.tokenKey
    for (const [account, keys] of Object.entries(data?.keys ?? {})) {
      for (const [id, key] of Object.entries(keys)) this.putKey(account, id, key)
    }
    for (const [account, webhook] of Object.entries(data?.webhooks ?? {})) this.webhooks.set(account, webhook)
  }

  private putKey (account: string, id: string, key: StoredSigningKey): void {
    let keys = this.keys.get(account)
    if (keys === undefined) this.keys.set(account, keys = new Map())
    keys.set(id, key)
    this.byId.set(id, { account, key })
    this.keyCount++
  }

  /** Sets the mock's own token key (made once, kept). */
  setTokenKey (key: TokenKey): void {
    this.tokenKey = key
    this.changed('tokenKey')
  }

  /** Refuses a new key past the bounds, changing nothing. */
  checkRoomForKey (account: string): void {
    if ((this.keys.get(account)?.size ?? 0) >= MAX_KEYS_PER_ACCOUNT) {
      throw new RefusedChange('keys', `an account holds at most ${MAX_KEYS_PER_ACCOUNT} signing keys; delete one first`, 'full')
    }
    if (this.keyCount >= MAX_KEYS) throw new RefusedChange('keys', `the mock holds at most ${MAX_KEYS} signing keys over all accounts; delete some, or reset`, 'full')
  }

  /** Adds a key (ids are unique: they are random). Refused past the bounds. */
  addKey (account: string, id: string, key: StoredSigningKey): void {
    this.checkRoomForKey(account)
    this.putKey(account, id, key)
    this.changed(`key/${account}/${id}`)
  }

  /** Deletes an account's key; false when the account has none of that id. */
  deleteKey (account: string, id: string): boolean {
    const keys = this.keys.get(account)
    if (keys?.delete(id) !== true) return false
    if (keys.size === 0) this.keys.delete(account)
    this.byId.delete(id)
    this.keyCount--
    this.changed(`key/${account}/${id}`)
    return true
  }

  /** An account's keys, oldest first. */
  keysOf (account: string): Array<[string, StoredSigningKey]> {
    return [...this.keys.get(account)?.entries() ?? []]
  }

  /** A key by its id, whatever its account. */
  findKey (id: string): FoundKey | undefined {
    return this.byId.get(id)
  }

  /** An account's key as stored now, or undefined (deleted). */
  keyAt (account: string, id: string): StoredSigningKey | undefined {
    return this.keys.get(account)?.get(id)
  }

  /** An account's webhook subscription. */
  webhookOf (account: string): StoredWebhook | undefined {
    return this.webhooks.get(account)
  }

  /** Sets an account's subscription. Refused past MAX_WEBHOOKS. */
  setWebhook (account: string, webhook: StoredWebhook): void {
    if (!this.webhooks.has(account) && this.webhooks.size >= MAX_WEBHOOKS) {
      throw new RefusedChange('webhook', `the mock holds at most ${MAX_WEBHOOKS} webhook subscriptions; delete some, or reset`, 'full')
    }
    this.webhooks.set(account, webhook)
    this.changed(`webhook/${account}`)
  }

  /** Deletes an account's subscription; false when it has none. */
  deleteWebhook (account: string): boolean {
    if (!this.webhooks.delete(account)) return false
    this.changed(`webhook/${account}`)
    return true
  }

  /** Deletes an account's keys and subscription (an account reset). */
  clearAccount (account: string): void {
    for (const [id] of this.keysOf(account)) this.deleteKey(account, id)
    this.deleteWebhook(account)
  }

  /** Deletes every account's keys and subscriptions; the token key stays. Marks nothing: a snapshot follows. */
  clearAccounts (): void {
    this.keys.clear()
    this.byId.clear()
    this.webhooks.clear()
    this.keyCount = 0
  }

  /** Everything, as the data file keeps it. */
  toData (): SigningData {
    const data: SigningData = {}
    if (this.tokenKey !== undefined) data.tokenKey = this.tokenKey
    if (this.keys.size > 0) data.keys = Object.fromEntries([...this.keys].map(([account, keys]) => [account, Object.fromEntries(keys)]))
    if (this.webhooks.size > 0) data.webhooks = Object.fromEntries(this.webhooks)
    return data
  }
}
