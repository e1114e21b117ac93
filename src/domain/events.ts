/**
 * The mock's events: what happened (a download's transition, a clock change, a fault taken, a
 * journal entry; later a video's transition and a webhook delivery), typed by `type`, numbered
 * by `id`, and a bounded ring of the recent ones for a reconnecting client. Pure, no I/O.
 */
import type { DownloadType } from './ids.js'
import type { DownloadStatus, ProgressionModel } from './progress.js'

/** Every event type, in the order the README lists them. */
export const EVENT_TYPES = ['download.transition', 'clock.change', 'fault.taken', 'journal.entry', 'video.transition', 'webhook.delivery'] as const
export type EventType = typeof EVENT_TYPES[number]

/** What moved a download: a client's create or delete, time, a client's read, the admin API. */
export type DownloadCause = 'created' | 'settled' | 'polled' | 'admin' | 'deleted'

/** A download came into being, changed status, or was deleted (`status: 'deleted'`). */
export interface DownloadTransition {
  type: 'download.transition'
  account: string
  video: string
  downloadType: DownloadType
  status: DownloadStatus | 'deleted'
  /** Where it stands (its anchor); absent when deleted. */
  percentComplete?: number
  /** Mock time of the change, on the account's clock. */
  mockMs: number
  cause: DownloadCause
  /** How it moves on from here (absent when deleted), so a page can extrapolate. */
  model?: ProgressionModel
  speed?: number
}

/** What was done to a clock. */
export type ClockChangeKind = 'freeze' | 'resume' | 'advance' | 'rate' | 'reset'

/** A clock was frozen, resumed, stepped, re-rated, or put back by a reset. */
export interface ClockChange {
  type: 'clock.change'
  /** The account whose own clock changed; absent for the global clock. */
  account?: string
  change: ClockChangeKind
  /** The clock after the change. */
  nowMs: number
  frozen: boolean
  rate: number
  /** The step, for `advance`. */
  ms?: number
}

/** A fault rule acted on a request of the Cloudflare surface. */
export interface FaultTaken {
  type: 'fault.taken'
  account?: string
  video?: string
  downloadType?: DownloadType
  ruleId: string
  method: string
  path: string
  status?: number
  latencyMs?: number
  drop?: boolean
}

/** A request the Cloudflare surface answered (opt-in: see EventBus.wantsJournal). */
export interface JournalEntryEvent {
  type: 'journal.entry'
  account?: string
  video?: string
  /** The journal entry's `seq`: `GET /__mock/journal?after=` reads on from it. */
  seq: number
  method: string
  path: string
  status: number
  forced?: 'prefer' | 'fault'
  downloads?: Partial<Record<DownloadType, DownloadStatus>>
  /** On a stream, an entry that stands for others held back (event-stream.ts coalesces them): how many, this one included, and the first one's seq. */
  coalesced?: number
  firstSeq?: number
}

/** A video's own lifecycle moved on (published by the video lifecycle, issue 12). */
export interface VideoTransition {
  type: 'video.transition'
  account: string
  video: string
  status: string
  mockMs: number
  detail?: Record<string, unknown>
}

/** A webhook was delivered, or a delivery failed (published by the webhooks, issue 13). */
export interface WebhookDelivery {
  type: 'webhook.delivery'
  account: string
  video?: string
  url: string
  /** The HTTP status the receiver answered; 0 when it could not be reached. */
  status: number
  attempt: number
  detail?: Record<string, unknown>
}

/** An event as published: one of the kinds above, without its id and time. */
export type MockEventInput = DownloadTransition | ClockChange | FaultTaken | JournalEntryEvent | VideoTransition | WebhookDelivery

/** An event as kept and sent: numbered (increasing from 1 for the life of the process) and timed (wall, ISO 8601). */
export type MockEvent = MockEventInput & { id: number, at: string }

/** What a subscriber (a stream) asks to see. */
export interface EventFilter {
  account?: string
  video?: string
  /** The types wanted; absent: every type but `journal.entry` (opt-in). */
  types?: readonly string[]
}

/** The types a filter without `types` gets: all but the journal's, which is opt-in. */
const DEFAULT_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES.filter((type) => type !== 'journal.entry'))

/**
 * Whether a stream with this filter is shown the event. An event that names no account (the
 * global clock) concerns every account, and one that names no video (a clock change) every
 * video, so both pass those filters.
 */
export function eventMatches (event: MockEventInput, filter: EventFilter): boolean {
  if (filter.types === undefined ? !DEFAULT_TYPES.has(event.type) : !filter.types.includes(event.type)) return false
  return placeMatches(event.account, 'video' in event ? event.video : undefined, filter)
}

/** Whether an event of `account` and `video` (either may be absent) passes a filter's account and video. */
export function placeMatches (account: string | undefined, video: string | undefined, filter: EventFilter): boolean {
  if (filter.account !== undefined && account !== undefined && account !== filter.account) return false
  return filter.video === undefined || video === undefined || video === filter.video
}

/** What a wait-until waits for: an event of `event` (default `download.transition`) with these fields. */
export interface WaitCondition {
  event: EventType
  account?: string
  video?: string
  /** The download type (`downloadType` of a download's event). */
  type?: DownloadType
  status?: string
}

/** Whether an event is the one a wait waits for: its type, and each field the condition names, exactly. */
export function conditionMet (event: MockEventInput, condition: WaitCondition): boolean {
  if (event.type !== condition.event) return false
  const fields = event as { account?: string, video?: string, downloadType?: string, status?: unknown }
  return (condition.account === undefined || fields.account === condition.account) &&
    (condition.video === undefined || fields.video === condition.video) &&
    (condition.type === undefined || fields.downloadType === condition.type) &&
    (condition.status === undefined || String(fields.status) === condition.status)
}

/** What `EventRing.since` finds: the events after an id, and whether some of them are gone. */
export interface Replay {
  events: MockEvent[]
  /** True when events after `lastId` were dropped from the ring, or `lastId` is one this ring never gave. */
  gap: boolean
}

/**
 * The recent events, oldest dropped first: a bounded ring that a reconnecting stream replays from
 * (`Last-Event-ID`). Ids increase by one per event, so what was dropped is known from the ids.
 */
export class EventRing {
  readonly limit: number
  private readonly slots: Array<MockEvent | undefined>
  private head = 0
  private count = 0
  /** The id the next event gets. */
  private nextId = 1
  /** The highest id dropped from the ring (0: none). */
  private droppedThrough = 0

  constructor (limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`event ring limit must be a positive integer, got ${limit}`)
    this.limit = limit
    this.slots = new Array<MockEvent | undefined>(limit)
  }

  /** The id of the last event numbered, 0 before the first. */
  get lastId (): number {
    return this.nextId - 1
  }

  /** How many events are kept. */
  get size (): number {
    return this.count
  }

  /** The oldest id kept, or undefined when empty. */
  get oldestId (): number | undefined {
    return this.count === 0 ? undefined : (this.slots[this.head] as MockEvent).id
  }

  /** Numbers an event (and times it at `wallMs`); `keep: false` numbers it without keeping it (live-only events). */
  add (input: MockEventInput, wallMs: number, keep = true): MockEvent {
    const event = { ...input, id: this.nextId++, at: new Date(wallMs).toISOString() } as MockEvent
    if (!keep) return event
    const index = (this.head + this.count) % this.limit
    if (this.count === this.limit) {
      this.droppedThrough = (this.slots[index] as MockEvent).id
      this.head = (this.head + 1) % this.limit
    } else {
      this.count++
    }
    this.slots[index] = event
    return event
  }

  /** The kept events after `lastId`, oldest first, and whether any after it are gone. */
  since (lastId: number): Replay {
    const events: MockEvent[] = []
    for (let i = 0; i < this.count; i++) {
      const event = this.slots[(this.head + i) % this.limit] as MockEvent
      if (event.id > lastId) events.push(event)
    }
    return { events, gap: lastId < this.droppedThrough || lastId > this.lastId }
  }
}
