import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Journal, redactCredentials, retryAfterMsOf, type HeaderBag, type JournalEntry, type NewJournalEntry } from '../domain/journal.js'
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

/** Each journal's mock clock, kept beside it so `recordRequest` needs only the app. */
const mockClocks = new WeakMap<Journal, (account?: string) => number>()

/** Builds the entry of a request from its note, the status, and the answer's headers. */
function entryOf (request: FastifyRequest, status: number, replyHeaders: HeaderBag, mockMs: number): NewJournalEntry {
  const note = request.mockNote ?? {}
  const wallMs = Date.now()
  const entry: NewJournalEntry = {
    at: new Date(wallMs).toISOString(),
    wallMs,
    mockMs,
    method: request.method,
    path: request.url,
    status,
    credentials: redactCredentials(request.headers as HeaderBag)
  }
  // Only the keys that have a value, so an entry never shows `"key": undefined`.
  if (note.account !== undefined) entry.account = note.account
  if (note.video !== undefined) entry.video = note.video
  if (note.type !== undefined) entry.type = note.type
  if (note.forced !== undefined) entry.forced = note.forced
  if (note.faultId !== undefined) entry.faultId = note.faultId
  if (note.dropped !== undefined) entry.dropped = note.dropped
  if (note.downloads !== undefined) entry.downloads = { ...note.downloads }
  const retryAfterMs = retryAfterMsOf(replyHeaders)
  if (retryAfterMs !== undefined) entry.retryAfterMs = retryAfterMs
  return entry
}

/**
 * Records a request in the app's journal with the given status. Code that destroys the socket
 * instead of answering calls it with status 0; that marks the request dropped, so the
 * onResponse hook does not record it again.
 */
export function recordRequest (app: FastifyInstance, request: FastifyRequest, status: number, replyHeaders: HeaderBag = {}): JournalEntry {
  const mockNow = mockClocks.get(app.journal)
  if (mockNow === undefined) throw new Error('recordRequest needs the journal plugin registered')
  // Mutated in place, so the dropping code's own reference to the note sees the mark too.
  if (status === 0) request.mockNote = Object.assign(request.mockNote ?? {}, { dropped: true })
  return app.journal.record(entryOf(request, status, replyHeaders, mockNow(request.mockNote?.account)))
}

/**
 * Decorates the app with the request journal and records every answered request whose
 * `mockNote` the Cloudflare routes set; admin, health and media requests have none.
 */
export default fp(async function journalPlugin (app: FastifyInstance, options: JournalPluginOptions) {
  const journal = new Journal(options.limit)
  mockClocks.set(journal, options.mockNow)
  app.decorate('journal', journal)
  app.addHook('onResponse', async (request, reply) => {
    const note = request.mockNote
    // A dropped request was recorded, with status 0, by the code that dropped it.
    if (note === undefined || note.dropped === true) return
    recordRequest(app, request, reply.statusCode, reply.getHeaders() as HeaderBag)
  })
}, { name: 'journal' })
