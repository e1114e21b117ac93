/** The request journal: a bounded record of what the Cloudflare surface answered. Pure, no I/O. */
import { bearerToken } from './credentials.js'
import type { DownloadType } from './ids.js'
import { PollingTally } from './polling-report.js'
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
  /** The status a `Prefer` header asked for and did not get: it lacked the admin token. */
  preferIgnored?: number
  faultId?: string
  dropped?: boolean
  /** The download statuses a successful GET showed. */
  downloads?: Partial<Record<DownloadType, DownloadStatus>>
  /** The wait the answer asked for, from `Retry-After` (seconds) or `retry-after-ms`. */
  retryAfterMs?: number
  /** A webhook delivery's try, not a request: `path` is the url, `status` the receiver's. */
  webhook?: WebhookTry
}

/** A webhook delivery's try, as the journal notes it. */
export interface WebhookTry {
  delivery: number
  attempt: number
  durationMs: number
  error?: string
}

/**
 * What the Cloudflare routes learn about a request while handling it: which account, video and
 * type it named, whether its answer was forced, and (for a 2xx GET) the statuses the client was
 * shown. The journal copies what it needs when the request is recorded.
 */
export interface RequestNote {
  account?: string
  video?: string
  type?: DownloadType
  /** Set when the answer was forced: by a `Prefer: code=...` header or by a fault rule. */
  forced?: 'prefer' | 'fault'
  /** The status a `Prefer` header asked for, ignored: MOCK_ADMIN_TOKEN is set and the request lacked it. */
  preferIgnored?: number
  /** The fault rule that answered, when `forced` is 'fault'. */
  faultId?: string
  /** True when a fault rule dropped the connection instead of answering. */
  dropped?: boolean
  /** The download statuses a successful GET showed (may be shared between requests: never mutated). */
  downloads?: Readonly<Partial<Record<DownloadType, DownloadStatus>>>
  /** The codes of the failure envelope answered, for the coverage report. */
  errorCodes?: readonly number[]
  /** Set for a webhook delivery's try (see JournalEntry.webhook). */
  webhook?: WebhookTry
}

/** A request to record: its facts, and the note the routes made of it (read, never kept). */
export interface JournalRecord {
  wallMs: number
  mockMs: number
  method: string
  path: string
  status: number
  /** Already redacted (see `redactCredentials`): no secret is ever held. */
  credentials: string
  note: Readonly<RequestNote>
  retryAfterMs: number | undefined
}

/**
 * One place in the ring, written over when the ring comes round: recording allocates nothing, and
 * holds no object of the request's, so a request's objects die young instead of being copied
 * and promoted by the garbage collector.
 */
class Slot {
  seq = 0
  wallMs = 0
  mockMs = 0
  method = ''
  path = ''
  status = 0
  credentials = ''
  account: string | undefined = undefined
  video: string | undefined = undefined
  type: DownloadType | undefined = undefined
  forced: RequestNote['forced'] = undefined
  preferIgnored: number | undefined = undefined
  faultId: string | undefined = undefined
  dropped: boolean | undefined = undefined
  /** Shared with the note (never mutated there); copied when listed. */
  downloads: RequestNote['downloads'] = undefined
  retryAfterMs: number | undefined = undefined
  webhook: WebhookTry | undefined = undefined
}

/**
 * The longest path (query included) an entry keeps, in characters; a longer one is cut and ends
 * in `…`. With at most 100,000 entries, the journal's paths hold at most about 50 MB, however long
 * the query strings clients send.
 */
export const MAX_JOURNAL_PATH = 512

/** A path as the journal keeps it: cut at MAX_JOURNAL_PATH. */
export function journalPath (path: string): string {
  return path.length > MAX_JOURNAL_PATH ? `${path.slice(0, MAX_JOURNAL_PATH - 1)}…` : path
}

/**
 * The last string kept of one field. A client repeats its path, account and video, but each
 * request brings new copies of them: keeping the copy already held lets the new one die young.
 */
class LastString {
  private value = ''

  /** `text`, or the equal string already held. */
  keep (text: string): string {
    return text === this.value ? this.value : (this.value = text)
  }

  /** `keep` for a field that may be absent. */
  keepMaybe (text: string | undefined): string | undefined {
    return text === undefined ? undefined : this.keep(text)
  }
}

/** The entry a slot reads as: only the keys that have a value, so none shows `undefined`. */
function entryOf (slot: Slot): JournalEntry {
  const entry: JournalEntry = {
    seq: slot.seq,
    at: new Date(slot.wallMs).toISOString(),
    wallMs: slot.wallMs,
    mockMs: slot.mockMs,
    method: slot.method,
    path: slot.path,
    status: slot.status,
    credentials: slot.credentials
  }
  if (slot.account !== undefined) entry.account = slot.account
  if (slot.video !== undefined) entry.video = slot.video
  if (slot.type !== undefined) entry.type = slot.type
  if (slot.forced !== undefined) entry.forced = slot.forced
  if (slot.preferIgnored !== undefined) entry.preferIgnored = slot.preferIgnored
  if (slot.faultId !== undefined) entry.faultId = slot.faultId
  if (slot.dropped !== undefined) entry.dropped = slot.dropped
  if (slot.downloads !== undefined) entry.downloads = { ...slot.downloads }
  if (slot.retryAfterMs !== undefined) entry.retryAfterMs = slot.retryAfterMs
  if (slot.webhook !== undefined) entry.webhook = { ...slot.webhook }
  return entry
}

/** Which entries `Journal.list` returns. */
export interface JournalFilter {
  account?: string
  video?: string
  /** Only the last `limit` matching entries (with `after`: the first `limit` after it). */
  limit?: number
  /** Only entries with a greater `seq`: a page's cursor. */
  after?: number
}

/** Most entries one page of a listing holds, so no answer of the admin API builds more. */
export const MAX_JOURNAL_PAGE = 1000

/** One page of the journal: its entries, and the cursor of the next page (null at the end). */
export interface JournalPage {
  entries: JournalEntry[]
  next: number | null
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
    // The same shape the credential check accepts (cloudflare/credentials.ts).
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
 * A bounded ring buffer of journal records: recording is O(1), formats nothing and allocates
 * nothing once the ring is full; each new record then drops the oldest. Entries are built when
 * listed.
 */
export class Journal {
  readonly limit: number
  /** The polling reports, counted as requests are recorded: bounded apart from the ring. */
  readonly polling = new PollingTally()
  /** Made as the ring fills, then reused. */
  private slots: Slot[] = []
  /** Index of the oldest entry. */
  private head = 0
  private count = 0
  private nextSeq = 1
  private readonly paths = new LastString()
  private readonly accounts = new LastString()
  private readonly videos = new LastString()

  constructor (limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`journal limit must be a positive integer, got ${limit}`)
    this.limit = limit
  }

  /** How many entries are held. */
  get size (): number {
    return this.count
  }

  /** Numbers the record and stores it, dropping the oldest when full; returns its number. */
  record (record: JournalRecord): number {
    const index = (this.head + this.count) % this.limit
    const slot = this.slots[index] ?? (this.slots[index] = new Slot())
    const { note } = record
    slot.seq = this.nextSeq++
    slot.wallMs = record.wallMs
    slot.mockMs = record.mockMs
    slot.method = record.method
    slot.path = this.paths.keep(journalPath(record.path))
    slot.status = record.status
    slot.credentials = record.credentials
    slot.account = this.accounts.keepMaybe(note.account)
    slot.video = this.videos.keepMaybe(note.video)
    slot.type = note.type
    slot.forced = note.forced
    slot.preferIgnored = note.preferIgnored
    slot.faultId = note.faultId
    slot.dropped = note.dropped
    slot.downloads = note.downloads
    slot.retryAfterMs = record.retryAfterMs
    slot.webhook = note.webhook
    if (this.count < this.limit) this.count++
    else this.head = (this.head + 1) % this.limit
    this.polling.observe(slot)
    return slot.seq
  }

  /** The slots held, oldest first. */
  private held (): Slot[] {
    const out: Slot[] = []
    for (let i = 0; i < this.count; i++) out.push(this.slots[(this.head + i) % this.limit] as Slot)
    return out
  }

  /** The entries matching the filter, oldest first; `limit` keeps the last N. */
  list (filter: JournalFilter = {}): JournalEntry[] {
    const matching = this.held().filter((slot) =>
      (filter.account === undefined || slot.account === filter.account) &&
      (filter.video === undefined || slot.video === filter.video))
    const shown = filter.limit === undefined ? matching : matching.slice(Math.max(0, matching.length - filter.limit))
    return shown.map(entryOf)
  }

  /**
   * One page of matching entries, oldest first, at most MAX_JOURNAL_PAGE. With `after`, the
   * first `limit` entries after that `seq`, and `next` when more follow; without it, the last
   * `limit` (a tail, whose `next` is null: page from `after: 0` to read everything).
   */
  page (filter: JournalFilter = {}): JournalPage {
    const limit = Math.min(filter.limit ?? MAX_JOURNAL_PAGE, MAX_JOURNAL_PAGE)
    const matching = this.held().filter((slot) =>
      (filter.account === undefined || slot.account === filter.account) &&
      (filter.video === undefined || slot.video === filter.video))
    const { after } = filter
    if (after === undefined) return { entries: matching.slice(Math.max(0, matching.length - limit)).map(entryOf), next: null }
    const from = matching.findIndex((slot) => slot.seq > after)
    const shown = from === -1 ? [] : matching.slice(from, from + limit)
    const more = from !== -1 && from + limit < matching.length
    return { entries: shown.map(entryOf), next: more ? (shown.at(-1) as Slot).seq : null }
  }

  /** Removes every entry, or only one account's, with their polling reports; returns how many were removed. */
  clear (account?: string): number {
    this.polling.clear(account)
    const kept = account === undefined ? [] : this.held().filter((slot) => slot.account !== account)
    const removed = this.count - kept.length
    // The kept slots move to the front in order; the others stay made, for reuse.
    const keeping = new Set(kept)
    const others = this.slots.filter((slot) => !keeping.has(slot))
    this.slots = [...kept, ...others]
    this.head = 0
    this.count = kept.length
    return removed
  }
}
