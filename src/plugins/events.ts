import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import {
  EventRing, conditionMet, eventMatches, placeMatches, type EventFilter, type EventType, type MockEvent, type MockEventInput, type Replay, type WaitCondition
} from '../domain/events.js'
import { DOWNLOAD_TYPES } from '../domain/ids.js'
import type { DownloadStore } from '../store/download-store.js'
import { addMockPart } from './mock-parts.js'

/** Most recent events kept for a reconnecting stream (`Last-Event-ID`). */
export const EVENT_RING_SIZE = 1000

/** Most event streams open at once. */
export const MAX_EVENT_STREAMS = 100

/** Most wait-until requests waiting at once. */
export const MAX_WAITERS = 1000

/**
 * A journal entry not built yet: `event()` numbers and builds it on first call, once however many
 * streams ask. A stream that only counts an entry (its coalescing window is open) never asks.
 */
export interface LazyEntry {
  /** The journal entry's seq. */
  seq: number
  event: () => MockEvent
}

/** One open stream: what it wants, and how it is handed an event (it buffers and writes). */
export interface EventSubscriber {
  filter: EventFilter
  deliver: (event: MockEvent) => void
  /** A journal entry for it (its filter matched); without this, `deliver` gets the entry built. */
  deliverEntry?: (entry: LazyEntry) => void
  /** The bus is closing: end the stream. */
  end: () => void
}

/**
 * What a wait found: the event that met its condition, the state that met it already (a probe's
 * answer), or neither: the timeout came, the client left, or the server closes.
 */
export type WaitOutcome =
  | { kind: 'event', event: MockEvent }
  | { kind: 'already', state: Record<string, unknown> }
  | { kind: 'timeout' | 'gone' | 'closing' }

/**
 * A probe answers whether a condition holds already, from the current state (a download that is
 * ready now), before a wait waits for the event; undefined when it does not (or cannot tell).
 */
export type WaitProbe = (condition: WaitCondition) => Record<string, unknown> | undefined

interface Waiter {
  condition: WaitCondition
  settle: (outcome: WaitOutcome) => void
}

/** How often an idle stream gets a heartbeat comment, by default (real ms). */
export const EVENT_HEARTBEAT_MS = 15_000

export interface EventBusOptions {
  /** How often an idle stream gets a heartbeat comment (real ms, default EVENT_HEARTBEAT_MS). */
  heartbeatMs?: number
  /** Events kept (default EVENT_RING_SIZE). */
  ringSize?: number
  maxStreams?: number
  maxWaiters?: number
  /** Wall-clock time in ms (default Date.now). */
  wallClock?: () => number
}

/**
 * The mock's event bus: everything that happens is published here once (`publish`), numbered and
 * kept in a bounded ring, handed to the open streams whose filter it matches, and to the waits
 * whose condition it meets. A new kind of event (a video's transition, a webhook delivery) is one
 * `publish` call where it happens, and, for a wait that may already hold, one `probe`.
 */
export class EventBus {
  readonly ring: EventRing
  readonly maxStreams: number
  readonly maxWaiters: number
  readonly heartbeatMs: number
  private readonly wallClock: () => number
  private readonly subscribers = new Set<EventSubscriber>()
  private readonly waiters = new Set<Waiter>()
  private readonly probes = new Map<EventType, WaitProbe>()
  /** Streams that asked for journal entries: while none has, they are not even built. */
  private readonly journalSubscribers = new Set<EventSubscriber>()
  private closed = false

  constructor (options: EventBusOptions = {}) {
    this.ring = new EventRing(options.ringSize ?? EVENT_RING_SIZE)
    this.maxStreams = options.maxStreams ?? MAX_EVENT_STREAMS
    this.maxWaiters = options.maxWaiters ?? MAX_WAITERS
    this.heartbeatMs = options.heartbeatMs ?? EVENT_HEARTBEAT_MS
    this.wallClock = options.wallClock ?? Date.now
  }

  /**
   * Publishes an event: numbered, timed, kept in the ring (journal entries are live only: the
   * journal keeps them), handed to the streams and waits it concerns. Returns it as sent.
   */
  publish (input: MockEventInput): MockEvent {
    const event = this.ring.add(input, this.wallClock(), input.type !== 'journal.entry')
    for (const subscriber of this.subscribers) {
      if (eventMatches(event, subscriber.filter)) subscriber.deliver(event)
    }
    for (const waiter of this.waiters) {
      if (conditionMet(event, waiter.condition)) waiter.settle({ kind: 'event', event })
    }
    return event
  }

  /** Whether a stream wants journal entries (the journal publishes them only then). */
  get wantsJournal (): boolean {
    return this.journalSubscribers.size > 0
  }

  /**
   * Publishes journal entry `seq` of `account` and `video`, made by `build` only when some stream or
   * wait needs it whole: a stream coalescing entries counts them and builds only the one it sends
   * (under load, a few a second rather than one a request). Timed at `wallMs`, live only.
   */
  publishEntry (account: string | undefined, video: string | undefined, seq: number, wallMs: number, build: () => MockEventInput): void {
    let built: MockEvent | undefined
    const entry: LazyEntry = { seq, event: () => (built ??= this.ring.add(build(), wallMs, false)) }
    for (const subscriber of this.journalSubscribers) {
      if (!placeMatches(account, video, subscriber.filter)) continue
      if (subscriber.deliverEntry === undefined) subscriber.deliver(entry.event())
      else subscriber.deliverEntry(entry)
    }
    for (const waiter of this.waiters) {
      if (waiter.condition.event === 'journal.entry' && conditionMet(entry.event(), waiter.condition)) waiter.settle({ kind: 'event', event: entry.event() })
    }
  }

  /** How many streams are open. */
  get streams (): number {
    return this.subscribers.size
  }

  /** How many waits are waiting. */
  get waiting (): number {
    return this.waiters.size
  }

  /**
   * Opens a stream: the events after `lastId` that the ring still keeps (and whether some are
   * gone), then every new one that matches. False when MAX_EVENT_STREAMS are open or the bus
   * is closing; the stream is added only then, so nothing is delivered before the replay is sent.
   */
  subscribe (subscriber: EventSubscriber, lastId?: number): { replay: Replay } | false {
    if (this.closed || this.subscribers.size >= this.maxStreams) return false
    this.subscribers.add(subscriber)
    if (subscriber.filter.types?.includes('journal.entry') === true) this.journalSubscribers.add(subscriber)
    const replay = lastId === undefined ? { events: [], gap: false } : this.ring.since(lastId)
    return { replay: { events: replay.events.filter((event) => eventMatches(event, subscriber.filter)), gap: replay.gap } }
  }

  /** Closes a stream (idempotent). */
  unsubscribe (subscriber: EventSubscriber): void {
    if (!this.subscribers.delete(subscriber)) return
    this.journalSubscribers.delete(subscriber)
  }

  /** Says how to tell whether a condition on events of `type` holds already (one probe a type). */
  probe (type: EventType, probe: WaitProbe): void {
    this.probes.set(type, probe)
  }

  /**
   * Waits until an event meets the condition, or at once when its type's probe says it holds
   * already; at most `timeoutMs` of wall time. `signal` ends the wait when the client leaves.
   * Undefined when MAX_WAITERS are waiting (or the bus is closing: then `closing`).
   */
  async wait (condition: WaitCondition, timeoutMs: number, signal: AbortSignal): Promise<WaitOutcome | undefined> {
    if (this.closed) return { kind: 'closing' }
    const state = this.probes.get(condition.event)?.(condition)
    if (state !== undefined) return { kind: 'already', state }
    if (this.waiters.size >= this.maxWaiters) return undefined
    return await new Promise<WaitOutcome>((resolve) => {
      const waiter: Waiter = {
        condition,
        settle: (outcome) => {
          this.waiters.delete(waiter)
          clearTimeout(timer)
          signal.removeEventListener('abort', gone)
          resolve(outcome)
        }
      }
      const gone = (): void => { waiter.settle({ kind: 'gone' }) }
      const timer = setTimeout(() => { waiter.settle({ kind: 'timeout' }) }, timeoutMs)
      this.waiters.add(waiter)
      signal.addEventListener('abort', gone, { once: true })
    })
  }

  /** Ends every stream and answers every wait `closing`; nothing opens after. */
  close (): void {
    this.closed = true
    for (const subscriber of [...this.subscribers]) {
      this.unsubscribe(subscriber)
      subscriber.end()
    }
    for (const waiter of [...this.waiters]) waiter.settle({ kind: 'closing' })
  }
}

/**
 * The probe of download conditions: a download (of the video, or of any video of the account,
 * or of any video at all) whose status is the one asked for now. A condition without a status,
 * or on `deleted`, waits for the next event.
 */
export function downloadProbe (store: DownloadStore): WaitProbe {
  return (condition) => {
    if (condition.status === undefined || condition.status === 'deleted') return undefined
    const one = condition.video === undefined ? undefined : store.getVideo(condition.video)
    const videos = condition.video === undefined ? store.listVideos(condition.account) : one === undefined ? [] : [one]
    for (const video of videos) {
      if (condition.account !== undefined && video.account !== condition.account) continue
      for (const type of DOWNLOAD_TYPES) {
        const download = video.downloads[type]
        if (download === undefined || (condition.type !== undefined && condition.type !== type) || download.status !== condition.status) continue
        return { account: video.account, video: video.id, type, status: download.status, percentComplete: download.percentComplete, mockMs: store.now(video.account) }
      }
    }
    return undefined
  }
}

/** The bus's options, but its wall clock: the plugin's is the store's (the app's one wall clock). */
export interface EventsPluginOptions extends Omit<EventBusOptions, 'wallClock'> {}

/**
 * Decorates the app with the event bus (`app.mock.events`): the store tells it of every download
 * and clock change, the fault plugin of faults taken, the journal of its entries. Streams and
 * waits end when the app closes, before the server stops listening, so they never hold up the
 * close's deadline.
 */
export default fp(async function eventsPlugin (app: FastifyInstance, options: EventsPluginOptions) {
  const store = app.mock.store
  // Events are timed on the store's wall clock, the app's one (BuildOptions.wallClock).
  const bus = new EventBus({ ...options, wallClock: () => store.wallMs() })
  store.listener = { download: (change) => bus.publish(change), clock: (change) => bus.publish(change), video: (change) => bus.publish(change) }
  bus.probe('download.transition', downloadProbe(store))
  addMockPart(app, 'events', bus)
  app.addHook('preClose', async () => { bus.close() })
}, { name: 'events', dependencies: ['store'] })
