import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Journal, memoizedRedaction, retryAfterMsOf, type HeaderBag } from '../domain/journal.js'
import '../types.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The request journal of the Cloudflare surface. */
    journal: Journal
  }
}

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

/** The wait an answer asked for; most answers set neither header, and then nothing is built. */
function retryAfterOf (reply: FastifyReply | undefined): number | undefined {
  const ms = reply?.getHeader('retry-after-ms')
  const seconds = reply?.getHeader('retry-after')
  return ms === undefined && seconds === undefined ? undefined : retryAfterMsOf({ 'retry-after-ms': ms, 'retry-after': seconds })
}

/**
 * Records a request in the app's journal with the given status (and the reply's Retry-After, when
 * given), and returns its sequence number.
 * Code that destroys the socket instead of answering calls it with status 0; that marks the
 * request dropped, so the onResponse hook does not record it again.
 */
export function recordRequest (app: FastifyInstance, request: FastifyRequest, status: number, reply?: FastifyReply): number {
  const recorder = recorders.get(app.journal)
  if (recorder === undefined) throw new Error('recordRequest needs the journal plugin registered')
  return record(app.journal, recorder, request, status, reply)
}

/** `recordRequest` once the journal's recorder is known. */
function record (journal: Journal, recorder: Recorder, request: FastifyRequest, status: number, reply?: FastifyReply): number {
  // Mutated in place, so the dropping code's own reference to the note sees the mark too.
  if (status === 0) request.mockNote = Object.assign(request.mockNote ?? {}, { dropped: true })
  const note = request.mockNote ?? {}
  return journal.record({
    wallMs: Date.now(),
    mockMs: recorder.mockNow(note.account),
    method: request.method,
    path: request.url,
    status,
    credentials: recorder.redact(request.headers as HeaderBag),
    note,
    // Only errors ask for a wait: fault rules and Prefer answer 4xx and 5xx alone.
    retryAfterMs: status >= 400 ? retryAfterOf(reply) : undefined
  })
}

/**
 * Decorates the app with the request journal and records every answered request whose
 * `mockNote` the Cloudflare routes set; admin, health and media requests have none.
 */
export default fp(async function journalPlugin (app: FastifyInstance, options: JournalPluginOptions) {
  const journal = new Journal(options.limit)
  const recorder: Recorder = { mockNow: options.mockNow, redact: memoizedRedaction() }
  recorders.set(journal, recorder)
  app.decorate('journal', journal)
  // A callback hook rather than an async one: it runs on every request, and needs no promise.
  app.addHook('onResponse', (request, reply, done) => {
    const note = request.mockNote
    // A dropped request was recorded, with status 0, by the code that dropped it.
    if (note !== undefined && note.dropped !== true) record(journal, recorder, request, reply.statusCode, reply)
    done()
  })
}, { name: 'journal' })
