import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isCloudflareId } from '../domain/ids.js'
import { Journal, journalPath, memoizedRedaction, retryAfterMsOf, type HeaderBag } from '../domain/journal.js'
import { addMockPart } from './mock-parts.js'

export interface JournalPluginOptions {
  /** Entries kept at most; the oldest drop first. */
  limit: number
  /** Mock time of an account (the clock may run per account), for `mockMs`. */
  mockNow: (account?: string) => number
  /** The wall clock, for `wallMs` (default Date.now; the app passes the store's). */
  wallNow?: () => number
}

/** What `recordRequest` needs beside the journal: the clocks and the credential redaction. */
interface Recorder {
  mockNow: (account?: string) => number
  wallNow: () => number
  redact: (headers: HeaderBag) => string
}

/** Each journal's recorder, kept beside it so `recordRequest` needs only the app. */
const recorders = new WeakMap<Journal, Recorder>()

/** The wait an answer asked for; most answers set neither header, and then nothing is built. */
function retryAfterOf (reply: FastifyReply): number | undefined {
  const ms = reply.getHeader('retry-after-ms')
  const seconds = reply.getHeader('retry-after')
  return ms === undefined && seconds === undefined ? undefined : retryAfterMsOf({ 'retry-after-ms': ms, 'retry-after': seconds })
}

/**
 * Records a request in the app's journal with the status it was answered with (and the wait its
 * reply asked for, when given), and returns its sequence number. The Cloudflare surface calls it
 * from its onResponse hook, once an answer is sent; a fault that destroys the socket instead of
 * answering calls it with status 0, which marks the request dropped.
 */
export function recordRequest (app: FastifyInstance, request: FastifyRequest, status: number, reply?: FastifyReply): number {
  const journal = app.mock.journal
  const recorder = recorders.get(journal)
  if (recorder === undefined) throw new Error('recordRequest needs the journal plugin registered')
  // Mutated in place, so the dropping code's own reference to the note sees the mark too.
  if (status === 0) request.mockNote = Object.assign(request.mockNote ?? {}, { dropped: true })
  const note = request.mockNote ?? {}
  const wallMs = recorder.wallNow()
  // Only errors ask for a wait: fault rules and Prefer answer 4xx and 5xx alone.
  const retryAfterMs = reply === undefined || status < 400 ? undefined : retryAfterOf(reply)
  const seq = journal.record({
    wallMs,
    mockMs: recorder.mockNow(note.account),
    method: request.method,
    // The path as sent: the Cloudflare prefix is mapped onto the root routes before routing.
    path: request.originalUrl,
    status,
    credentials: recorder.redact(request.headers as HeaderBag),
    note,
    retryAfterMs
  })
  const { coverage, events } = app.mock
  // Counted apart from the journal, which forgets: see domain/coverage.ts.
  coverage?.record({
    account: isCloudflareId(note.account) ? note.account : undefined,
    video: isCloudflareId(note.video) ? note.video : undefined,
    method: request.method,
    typed: (request.params as { download_type?: string } | undefined)?.download_type !== undefined,
    status,
    wallMs,
    errorCodes: note.errorCodes,
    forced: note.forced,
    faultId: note.faultId,
    downloads: note.downloads,
    retryAfterMs
  })
  // Journal events are opt-in: built only while a stream asked for them.
  if (events?.wantsJournal === true) {
    const { method, originalUrl } = request
    // Built only if a stream sends it (streams coalesce entries). Fields the note lacks are
    // undefined, and left out of the event's JSON.
    events.publishEntry(note.account, note.video, seq, wallMs, () => ({ type: 'journal.entry', account: note.account, video: note.video, seq, method, path: journalPath(originalUrl), status, forced: note.forced, downloads: note.downloads }))
  }
  return seq
}

/** Decorates the app with the request journal, which `recordRequest` writes to. */
export default fp(async function journalPlugin (app: FastifyInstance, options: JournalPluginOptions) {
  const journal = new Journal(options.limit)
  recorders.set(journal, { mockNow: options.mockNow, wallNow: options.wallNow ?? Date.now, redact: memoizedRedaction() })
  addMockPart(app, 'journal', journal)
}, { name: 'journal' })
