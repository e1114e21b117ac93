import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Errors } from '../domain/errors.js'
import { FaultBook, type FaultAction } from '../domain/faults.js'
import { journalPath } from '../domain/journal.js'
import { recordRequest } from './journal.js'
import { addMockPart } from './mock-parts.js'

export interface FaultsPluginOptions {
  /** Most rules the book holds at once (default 100). */
  maxRules?: number
}

/**
 * Waits `ms`, unless the client goes away first; resolves false then. The response's `close`
 * comes only from a closed connection before an answer, so it means the client is gone.
 */
async function wait (ms: number, reply: FastifyReply): Promise<boolean> {
  return await new Promise((resolve) => {
    const gone = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      reply.raw.off('close', gone)
      resolve(true)
    }, ms)
    reply.raw.once('close', gone)
  })
}

/**
 * Applies a fault rule's action to a request before the route's work (from the onRequest hook,
 * or the list route's handler, which has none): waits `latencyMs`, then
 * drops the connection or throws the MockError the envelope plugin answers with. With neither,
 * it returns and the request proceeds normally.
 */
export async function applyFault (action: FaultAction, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const note = request.mockNote ?? {}
  request.mockNote = note
  note.faultId = action.ruleId
  // Fields the request or rule lacks are undefined, and left out of the event's JSON.
  request.server.mock.events?.publish({
    type: 'fault.taken',
    account: note.account,
    video: note.video,
    downloadType: note.type,
    ruleId: action.ruleId,
    method: request.method,
    path: journalPath(request.originalUrl),
    status: action.status,
    latencyMs: action.latencyMs,
    drop: action.drop
  })
  if (action.latencyMs !== undefined && action.latencyMs > 0 && !await wait(action.latencyMs, reply)) {
    // The client left during the delay: nobody to answer, and the route must not run for nothing.
    reply.hijack()
    return
  }
  if (action.drop === true) {
    note.forced = 'fault'
    // Journaled here, with status 0: there will be no answer to journal.
    recordRequest(request.server, request, 0)
    // Hijacked first, so Fastify neither answers nor reports the closed socket as an error.
    reply.hijack()
    request.raw.socket.destroy()
    return
  }
  if (action.status !== undefined) {
    note.forced = 'fault'
    throw Errors.forced(action.status, action.headers, action.errors)
  }
}

/** Decorates the app with the fault book (`app.mock.faults`). */
export default fp(async function faults (app: FastifyInstance, options: FaultsPluginOptions) {
  const faults = new FaultBook(options.maxRules)
  addMockPart(app, 'faults', faults)
}, { name: 'faults', dependencies: ['journal'] })
