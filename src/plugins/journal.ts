import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Journal, memoizedRedaction, retryAfterMsOf, type HeaderBag } from '../domain/journal.js'
import { addMockPart } from './mock-parts.js'

export interface JournalPluginOptions {
  /** Entries kept at most; the oldest drop first. */
  limit: number
  /** Mock time of an account (the clock may run per account), for `mockMs`. */
  mockNow: (account?: string) => number
}

/** What `recordRequest` needs beside the journal: the mock clock and the credential redaction. */
interface Recorder {
  mockNow: (account?: string) => number
  redact: (headers: HeaderBag) => string
}

/** Each journal's recorder, kept beside it so `recordRequest` needs only the app. */
const recorders = new WeakMap<Journal, Recorder>()

/**
 * Records a request in the app's journal with the status it is answered with, and returns its
 * sequence number. `headers` are the answer's, when it asks for a wait (Retry-After).
 *
 * The code that makes an answer records it, as it makes it: the route for a success, the error
 * handler for a failure, and code that destroys the socket instead of answering with status 0
 * (which marks the request dropped). No hook runs on every request for it. A request recorded
 * already (a success whose serialization then failed) has its entry amended instead.
 */
export function recordRequest (app: FastifyInstance, request: FastifyRequest, status: number, headers?: HeaderBag): number {
  const journal = app.mock.journal
  const recorder = recorders.get(journal)
  if (recorder === undefined) throw new Error('recordRequest needs the journal plugin registered')
  // Mutated in place, so the dropping code's own reference to the note sees the mark too.
  if (status === 0) request.mockNote = Object.assign(request.mockNote ?? {}, { dropped: true })
  const note = request.mockNote ?? {}
  // Only errors ask for a wait: fault rules and Prefer answer 4xx and 5xx alone.
  const retryAfterMs = headers === undefined || status < 400 ? undefined : retryAfterMsOf(headers)
  if (note.seq !== undefined && journal.amend(note.seq, status, retryAfterMs)) return note.seq
  note.seq = journal.record({
    wallMs: Date.now(),
    mockMs: recorder.mockNow(note.account),
    method: request.method,
    path: request.url,
    status,
    credentials: recorder.redact(request.headers as HeaderBag),
    note,
    retryAfterMs
  })
  return note.seq
}

/** Decorates the app with the request journal, which `recordRequest` writes to. */
export default fp(async function journalPlugin (app: FastifyInstance, options: JournalPluginOptions) {
  const journal = new Journal(options.limit)
  recorders.set(journal, { mockNow: options.mockNow, redact: memoizedRedaction() })
  addMockPart(app, 'journal', journal)
}, { name: 'journal' })
