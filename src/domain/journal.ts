/** The request journal: a bounded record of what the Cloudflare surface answered. Pure, no I/O. */
import { bearerToken } from './credentials.js'
import type { DownloadType } from './ids.js'
import type { DownloadStatus } from './progress.js'

/** One answered (or dropped) request on the Cloudflare surface. */
export interface JournalEntry {
  /** Increases from 1 for the life of the journal; never reused, even after a clear. */
  seq: number
  /** Wall time of the answer, ISO 8601. */
  at: string
  /** Wall time of the answer, `Date.now()`. */
  wallMs: number
  /** Mock time of the answer (the account's clock). */
  mockMs: number
  method: string
  /** The request path, query included. */
  path: string
  /** The status answered; 0 when the connection was dropped. */
  status: number
  account?: string
  video?: string
  type?: DownloadType
  /** The credentials the request carried, redacted (see `redactCredentials`). */
  credentials: string
  forced?: 'prefer' | 'fault'
  faultId?: string
  dropped?: boolean
  /** The download statuses a successful GET showed. */
  downloads?: Partial<Record<DownloadType, DownloadStatus>>
  /** The wait the answer asked for, from `Retry-After` (seconds) or `retry-after-ms`. */
  retryAfterMs?: number
}

/** What `Journal.record` takes: the journal numbers the entry. */
export type NewJournalEntry = Omit<JournalEntry, 'seq'>

/** Which entries `Journal.list` returns. */
export interface JournalFilter {
  account?: string
  video?: string
  /** Only the last `limit` matching entries. */
  limit?: number
}

/** Header values as Node gives them, for requests and replies alike. */
export type HeaderBag = Record<string, string | string[] | number | undefined>

/** Longest e-mail address kept (RFC 5321's limit); the journal must not store huge headers whole. */
const MAX_EMAIL = 254

/** Tokens longer than this show their last 4 characters; shorter ones would give too much away. */
const SHOWN_TOKEN_MIN = 8

/** A header's first value as text; blank counts as absent, as the credential check treats it. */
function textOf (headers: HeaderBag, name: string): string | undefined {
  const raw = headers[name]
  const value = Array.isArray(raw) ? raw[0] : raw
  if (value === undefined) return undefined
  const text = String(value)
  return text.trim() === '' ? undefined : text
}

/** The request's credentials with every secret masked, so the journal can be shown to anyone. */
export function redactCredentials (headers: HeaderBag): string {
  const authorization = textOf(headers, 'authorization')
  if (authorization !== undefined) {
    // The same shape the credential check accepts (plugins/auth.ts).
    const token = bearerToken(authorization)
    if (token === undefined) return 'Authorization ****'
    return token.length > SHOWN_TOKEN_MIN ? `Bearer …${token.slice(-4)}` : 'Bearer ****'
  }
  const parts: string[] = []
  const email = textOf(headers, 'x-auth-email')
  if (email !== undefined) parts.push(`X-Auth-Email ${email.trim().slice(0, MAX_EMAIL)}`)
  if (textOf(headers, 'x-auth-key') !== undefined) parts.push('X-Auth-Key ****')
  return parts.length === 0 ? 'none' : parts.join(' + ')
}

/** A non-negative decimal number, as both headers write one. */
const DECIMAL = /^\d+(\.\d+)?$/

/**
 * The wait an answer asked for, in ms: `retry-after-ms` when valid (the more precise one, as the
 * Stainless SDKs read it), else `Retry-After` in seconds. HTTP-date values are not read: the mock
 * only sends seconds.
 */
export function retryAfterMsOf (headers: HeaderBag): number | undefined {
  const ms = textOf(headers, 'retry-after-ms')?.trim()
  if (ms !== undefined && DECIMAL.test(ms)) return Number(ms)
  const seconds = textOf(headers, 'retry-after')?.trim()
  if (seconds !== undefined && DECIMAL.test(seconds)) return Number(seconds) * 1000
  return undefined
}

/**
 * A bounded ring buffer of journal entries: recording is O(1), and once `limit` entries are held
 * each new one drops the oldest.
 */
export class Journal {
  readonly limit: number
  private readonly slots: Array<JournalEntry | undefined>
  /** Index of the oldest entry. */
  private head = 0
  private count = 0
  private nextSeq = 1

  constructor (limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`journal limit must be a positive integer, got ${limit}`)
    this.limit = limit
    this.slots = new Array<JournalEntry | undefined>(limit).fill(undefined)
  }

  /** How many entries are held. */
  get size (): number {
    return this.count
  }

  /** Numbers the entry, stores it (dropping the oldest when full) and returns it. */
  record (entry: NewJournalEntry): JournalEntry {
    const numbered: JournalEntry = { seq: this.nextSeq++, ...entry }
    this.slots[(this.head + this.count) % this.limit] = numbered
    if (this.count < this.limit) this.count++
    else this.head = (this.head + 1) % this.limit
    return numbered
  }

  /** Every entry held, oldest first. */
  private all (): JournalEntry[] {
    const out: JournalEntry[] = []
    for (let i = 0; i < this.count; i++) out.push(this.slots[(this.head + i) % this.limit] as JournalEntry)
    return out
  }

  /** The entries matching the filter, oldest first; `limit` keeps the last N. */
  list (filter: JournalFilter = {}): JournalEntry[] {
    const matching = this.all().filter((entry) =>
      (filter.account === undefined || entry.account === filter.account) &&
      (filter.video === undefined || entry.video === filter.video))
    return filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit))
  }

  /** Removes every entry, or only one account's; returns how many were removed. */
  clear (account?: string): number {
    const kept = account === undefined ? [] : this.all().filter((entry) => entry.account !== account)
    const removed = this.count - kept.length
    this.slots.fill(undefined)
    kept.forEach((entry, index) => { this.slots[index] = entry })
    this.head = 0
    this.count = kept.length
    return removed
  }
}
