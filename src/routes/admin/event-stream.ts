import type { ServerResponse } from 'node:http'
import type { EventFilter, MockEvent } from '../../domain/events.js'
import type { EventSubscriber, LazyEntry } from '../../plugins/events.js'

/**
 * Most bytes a stream may have waiting to be written (a client that reads slower than events
 * come); past it the stream sends a `gap` event and ends, and the client reconnects with
 * `Last-Event-ID` to replay what the ring still keeps.
 */
export const MAX_PENDING_BYTES = 1024 * 1024

/**
 * Journal entries a stream sends are coalesced: the first after a quiet spell goes at once, then
 * at most one per this many ms (the latest, with `coalesced`: how many entries it stands for, and
 * `firstSeq`), so a client under load gets a few frames a second, not one per request (issue 14's
 * event volume). The journal holds every entry: `GET /__mock/journal?after=` reads them.
 */
export const JOURNAL_COALESCE_MS = 250

/** How long a client should wait before it reconnects (the `retry:` field), in ms. */
const RETRY_MS = 1000

/** Each event's frame, made once however many streams send it. */
const frames = new WeakMap<MockEvent, string>()

/** An event as a Server-Sent Events frame: its id, its type as the event name, its JSON. */
export function frameOf (event: MockEvent): string {
  let frame = frames.get(event)
  if (frame === undefined) frames.set(event, frame = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
  return frame
}

/** A `gap` frame: events the client asked for are gone (no id: it does not move Last-Event-ID). */
export function gapFrame (detail: Record<string, unknown>): string {
  return `event: gap\ndata: ${JSON.stringify({ type: 'gap', ...detail })}\n\n`
}

/**
 * One open Server-Sent Events stream: events are queued and written together once per turn of
 * the event loop (a clock step that settles a thousand downloads is one write), heartbeats keep
 * proxies from closing an idle stream, and a client too slow to read is cut off with a `gap`.
 */
export class EventStream implements EventSubscriber {
  readonly filter: EventFilter
  private readonly raw: ServerResponse
  private pending: string[] = []
  private pendingBytes = 0
  private scheduled = false
  /** The socket's buffer is full: wait for `drain` before writing more. */
  private blocked = false
  private ended = false
  private heartbeat: NodeJS.Timeout | undefined
  private readonly heartbeatMs: number
  private readonly onEnd: () => void
  private readonly coalesceMs: number
  /** The journal's window: open while its timer runs; the latest entry held in it, and how many. */
  private journalTimer: NodeJS.Timeout | undefined
  private heldEntry: LazyEntry | undefined
  private heldCount = 0
  private heldFirstSeq = 0

  /** A stream on `raw`, not started; `onEnd` runs once when it ends, whoever ends it. */
  constructor (raw: ServerResponse, filter: EventFilter, heartbeatMs: number, onEnd: () => void, coalesceMs = JOURNAL_COALESCE_MS) {
    this.raw = raw
    this.filter = filter
    this.heartbeatMs = heartbeatMs
    this.onEnd = onEnd
    this.coalesceMs = coalesceMs
  }

  /** Writes the headers and the retry field, and starts the heartbeat. */
  start (): void {
    const raw = this.raw
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx and others buffer answers unless told not to: events must arrive as they happen.
      'x-accel-buffering': 'no'
    })
    raw.write(`retry: ${RETRY_MS}\n\n`)
    raw.on('drain', () => {
      this.blocked = false
      this.flush()
    })
    raw.on('close', () => { this.finish() })
    this.heartbeat = setInterval(() => { this.queue(': heartbeat\n\n') }, this.heartbeatMs)
    this.heartbeat.unref()
  }

  deliver (event: MockEvent): void {
    if (event.type === 'journal.entry') this.deliverEntry({ seq: event.seq, event: () => event })
    else this.queue(frameOf(event))
  }

  /**
   * A journal entry: sent at once when no window is open (and a window opens); counted in the
   * open window otherwise, the latest kept, built only when the window ends.
   */
  deliverEntry (entry: LazyEntry): void {
    if (this.journalTimer === undefined) {
      this.queue(frameOf(entry.event()))
      this.openJournalWindow()
      return
    }
    if (this.heldEntry === undefined) this.heldFirstSeq = entry.seq
    this.heldEntry = entry
    this.heldCount++
  }

  /** Holds the journal entries that come in the next `coalesceMs`; then sends the latest, and holds on while more came. */
  private openJournalWindow (): void {
    this.journalTimer = setTimeout(() => {
      this.journalTimer = undefined
      const held = this.heldEntry
      if (held === undefined) return
      const event = held.event()
      this.queue(`id: ${event.id}\nevent: journal.entry\ndata: ${JSON.stringify({ ...event, coalesced: this.heldCount, firstSeq: this.heldFirstSeq })}\n\n`)
      this.heldEntry = undefined
      this.heldCount = 0
      this.openJournalWindow()
    }, this.coalesceMs)
    this.journalTimer.unref()
  }

  /** Queues a frame (or comment) for the next write. */
  queue (text: string): void {
    if (this.ended) return
    this.pending.push(text)
    this.pendingBytes += text.length
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.pending = []
      this.pendingBytes = 0
      this.raw.write(gapFrame({ reason: 'slow-client', detail: `more than ${MAX_PENDING_BYTES} bytes of events waited to be sent; reconnect with Last-Event-ID` }))
      this.end()
      return
    }
    if (this.scheduled || this.blocked) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.flush()
    })
  }

  /** Writes what is queued, unless the socket's buffer is full. */
  private flush (): void {
    if (this.ended || this.blocked || this.pending.length === 0) return
    const chunk = this.pending.join('')
    this.pending = []
    this.pendingBytes = 0
    if (!this.raw.write(chunk)) this.blocked = true
  }

  /** Ends the stream (idempotent): what is queued is written first. */
  end (): void {
    if (this.ended) return
    this.flush()
    this.finish()
    this.raw.end()
  }

  private finish (): void {
    if (this.ended) return
    this.ended = true
    clearInterval(this.heartbeat)
    clearTimeout(this.journalTimer)
    this.journalTimer = undefined
    this.onEnd()
  }
}
