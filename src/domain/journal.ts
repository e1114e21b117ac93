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

/**
 * What the Cloudflare routes learn about a request while handling it: which account, video and
 * type it named, whether its answer was forced, and (for a 2xx GET) the statuses the client was
 * shown. The journal keeps it by reference and reads it only when listed.
 */
export interface RequestNote {
  account?: string
  video?: string
  type?: DownloadType
  /** Set when the answer was forced: by a `Prefer: code=...` header or by a fault rule. */
  forced?: 'prefer' | 'fault'
  /** The fault rule that answered, when `forced` is 'fault'. */
  faultId?: string
  /** True when a fault rule dropped the connection instead of answering. */
  dropped?: boolean
  /** The download statuses a successful GET showed (may be shared between requests: never mutated). */
  downloads?: Readonly<Partial<Record<DownloadType, DownloadStatus>>>
}

/**
 * What the journal keeps of a request: the raw facts, nothing formatted or copied, so recording
 * costs one small object per request. `Journal.list` turns records into entries.
 */
export interface JournalRecord {
  wallMs: number
  mockMs: number
  method: string
  path: string
  status: number
  /** Already redacted (see `redactCredentials`): no secret is ever held. */
  credentials: string
  /** The request's note; read when listed, never written by the journal. */
  note: Readonly<RequestNote>
  retryAfterMs: number | undefined
}

/** The entry a record reads as: only the keys that have a value, so none shows `undefined`. */
function entryOf (seq: number, record: JournalRecord): JournalEntry {
  const { note } = record
  const entry: JournalEntry = {
    seq,
    at: new Date(record.wallMs).toISOString(),
    wallMs: record.wallMs,
    mockMs: record.mockMs,
    method: record.method,
    path: record.path,
    status: record.status,
    credentials: record.credentials
  }
  if (note.account !== undefined) entry.account = note.account
  if (note.video !== undefined) entry.video = note.video
  if (note.type !== undefined) entry.type = note.type
  if (note.forced !== undefined) entry.forced = note.forced
  if (note.faultId !== undefined) entry.faultId = note.faultId
  if (note.dropped !== undefined) entry.dropped = note.dropped
  if (note.downloads !== undefined) entry.downloads = { ...note.downloads }
  if (record.retryAfterMs !== undefined) entry.retryAfterMs = record.retryAfterMs
  return entry
}

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

/**
 * `redactCredentials` with a one-entry memory: a client sends the same Authorization on every
 * request, and its redaction depends on nothing else, so a repeat costs one comparison.
 */
export function memoizedRedaction (): (headers: HeaderBag) => string {
  let lastAuthorization: string | undefined
  let lastRedacted = ''
  return (headers) => {
    const authorization = headers.authorization
    if (authorization !== undefined && authorization === lastAuthorization) return lastRedacted
    const redacted = redactCredentials(headers)
    // Only a non-blank Authorization decides alone: a blank one falls back to the X-Auth headers.
    if (typeof authorization === 'string' && authorization.trim() !== '') {
      lastAuthorization = authorization
      lastRedacted = redacted
    }
    return redacted
  }
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
 * A bounded ring buffer of journal records: recording is O(1) and formats nothing; once `limit`
 * records are held each new one drops the oldest. Entries are built when listed.
 */
export class Journal {
  readonly limit: number
  private readonly slots: Array<JournalRecord | undefined>
  /** Each slot's sequence number. */
  private readonly seqs: number[]
  /** Index of the oldest entry. */
  private head = 0
  private count = 0
  private nextSeq = 1

  constructor (limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`journal limit must be a positive integer, got ${limit}`)
    this.limit = limit
    this.slots = new Array<JournalRecord | undefined>(limit).fill(undefined)
    this.seqs = new Array<number>(limit).fill(0)
  }

  /** How many entries are held. */
  get size (): number {
    return this.count
  }

  /** Numbers the record and stores it, dropping the oldest when full; returns its number. */
  record (record: JournalRecord): number {
    const slot = (this.head + this.count) % this.limit
    const seq = this.nextSeq++
    this.slots[slot] = record
    this.seqs[slot] = seq
    if (this.count < this.limit) this.count++
    else this.head = (this.head + 1) % this.limit
    return seq
  }

  /** The slots held, oldest first. */
  private held (): number[] {
    const out: number[] = []
    for (let i = 0; i < this.count; i++) out.push((this.head + i) % this.limit)
    return out
  }

  /** The entries matching the filter, oldest first; `limit` keeps the last N. */
  list (filter: JournalFilter = {}): JournalEntry[] {
    const matching = this.held().filter((slot) => {
      const note = (this.slots[slot] as JournalRecord).note
      return (filter.account === undefined || note.account === filter.account) &&
        (filter.video === undefined || note.video === filter.video)
    })
    const shown = filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit))
    return shown.map((slot) => entryOf(this.seqs[slot] as number, this.slots[slot] as JournalRecord))
  }

  /** Removes every entry, or only one account's; returns how many were removed. */
  clear (account?: string): number {
    const kept = account === undefined
      ? []
      : this.held().filter((slot) => (this.slots[slot] as JournalRecord).note.account !== account)
        .map((slot) => ({ record: this.slots[slot] as JournalRecord, seq: this.seqs[slot] as number }))
    const removed = this.count - kept.length
    this.slots.fill(undefined)
    kept.forEach(({ record, seq }, index) => {
      this.slots[index] = record
      this.seqs[index] = seq
    })
    this.head = 0
    this.count = kept.length
    return removed
  }
}
