import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { API_PREFIX, Errors, MockError } from '../domain/errors.js'
import { ajvIssues, dottedField, problemsByField } from '../domain/schema-errors.js'

/** The failure envelope for an error. */
export function failureBody (error: MockError): { result: null, success: false, errors: MockError['errors'], messages: [] } {
  return { result: null, success: false, errors: error.errors, messages: [] }
}

/**
 * How many bytes of a body over its route's limit are read and thrown away, beyond the limit,
 * before the 413 is answered: a client still sending would otherwise meet a closed connection
 * (EPIPE, "fetch failed") instead of its answer. A larger body has its connection closed.
 */
export const DISCARD_LIMIT = 16 * 1024 * 1024

/** Answers with the failure envelope of a MockError, headers included. */
export function sendFailure (reply: FastifyReply, error: MockError): FastifyReply {
  if (error.statusCode === 413 && !bodyReceived(reply.request.raw)) {
    afterDiscardingBody(reply, () => writeFailure(reply, error))
    // Fastify waits for a returned reply to finish; it is sent once the body is discarded.
    return reply
  }
  return writeFailure(reply, error)
}

/** Sends the failure envelope now. */
function writeFailure (reply: FastifyReply, error: MockError): FastifyReply {
  return reply.code(error.statusCode).headers(error.headers).type('application/json; charset=utf-8').send(failureBody(error))
}

/** True once the whole request has arrived (or was read), so an answer cannot cut its upload short. */
function bodyReceived (raw: IncomingMessage): boolean {
  return raw.complete || raw.readableEnded
}

/**
 * Reads the rest of an oversized body and throws it away, then calls `send`; the connection
 * stays open for the next request, as the body was read to its end. Past DISCARD_LIMIT beyond
 * the route's limit (known at once from Content-Length, or found while reading) the connection is
 * closed instead: the answer is sent at once with `Connection: close`, or the socket destroyed.
 */
function afterDiscardingBody (reply: FastifyReply, send: () => void): void {
  const raw = reply.request.raw
  const bound = reply.request.routeOptions.bodyLimit + DISCARD_LIMIT
  if (Number(raw.headers['content-length']) > bound) {
    reply.header('connection', 'close')
    reply.request.log.info({ bound }, 'body too large to discard: the connection closes after the answer')
    send()
    return
  }
  let received = 0
  const onData = (chunk: Buffer): void => {
    received += chunk.length
    if (received <= bound) return
    stop()
    reply.request.log.info({ bound }, 'body too large to discard: connection closed')
    raw.socket.destroy()
  }
  const onEnd = (): void => {
    stop()
    reply.removeHeader('connection')
    send()
  }
  const stop = (): void => {
    raw.off('data', onData)
    raw.off('end', onEnd)
    raw.off('close', stop)
  }
  raw.on('data', onData)
  raw.on('end', onEnd)
  // The client went away: nothing to answer.
  raw.on('close', stop)
  raw.resume()
}

/**
 * The request path without the API prefix and query, as Cloudflare's routing messages show it.
 * Leading slashes count as one (`//client/v4/x` is `/x`), or the message would name the prefix
 * twice; a target without a slash gets one. Linear in the url's length.
 */
export function apiPath (url: string): string {
  const query = url.indexOf('?')
  let start = 0
  while (url.charCodeAt(start + 1) === 47 /* / */ && url.charCodeAt(start) === 47) start++
  const sent = url.slice(start, query === -1 ? url.length : query)
  // A request target that is not a path (CONNECT's `host:port`, OPTIONS's `*`) reads as one.
  const path = sent.startsWith('/') ? sent : `/${sent}`
  return path.startsWith(API_PREFIX + '/') || path === API_PREFIX ? path.slice(API_PREFIX.length) : path
}

/** Turns any error into the MockError the client sees. */
export function toMockError (error: FastifyError | MockError | Error, bodyLimit: number, contentType = 'unknown'): MockError {
  if (error instanceof MockError) return error
  const code = (error as FastifyError).code
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return Errors.unsupportedMediaType(contentType)
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return Errors.bodyTooLarge(bodyLimit)
  }
  const validation = (error as FastifyError).validation
  if (validation !== undefined && validation.length > 0) {
    // Fastify sets the part (body, querystring, params, headers) on every validation error.
    const where = (error as FastifyError).validationContext as string
    // One error naming each invalid field once, its problems joined.
    return Errors.invalidInput(...problemsByField(ajvIssues(validation), (path) => dottedField(where, path))
      .map(({ field, problems }) => ({ field, problem: problems.join('; ') })))
  }
  const status = (error as FastifyError).statusCode
  if (status !== undefined && status >= 400 && status < 500) return Errors.forStatus(status, error.message)
  return Errors.internal()
}

/** The failure to answer a request's error with, logged: at error level when it is a bug. */
export function failureFor (error: FastifyError | MockError, request: FastifyRequest): MockError {
  // The route's own limit when it has one (the admin API's fixture upload takes larger bodies).
  const mockError = toMockError(error, request.routeOptions.bodyLimit, request.headers['content-type'])
  // A MockError is an answer the mock chose (a fault rule, Prefer): only other errors are bugs.
  if (mockError.statusCode >= 500 && !(error instanceof MockError)) request.log.error({ err: error }, 'internal error')
  else request.log.info({ code: mockError.errors[0]?.code, status: mockError.statusCode }, mockError.errors[0]?.message)
  return mockError
}

/** The error a connection-level client error is answered with. */
function clientFailure (code: string | undefined): MockError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return Errors.headersTooLarge()
    // Node's headers timeout (server.headersTimeout), checked every connectionsCheckingInterval.
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return Errors.headersTimeout()
    default:
      return Errors.badRequest()
  }
}

/** A whole HTTP/1.1 answer carrying the failure envelope of `error`, then closing the connection. */
function rawFailure (error: MockError): string {
  const body = JSON.stringify(failureBody(error))
  const headers = Object.entries(error.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  return `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode] as string}\r\n${headers}Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
}

/**
 * Answers a connection-level client error (headers too large or too slow, a request line Node
 * cannot parse) with an envelope; these never reach Fastify's routing.
 */
export function answerClientError (error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  socket.end(rawFailure(clientFailure(error.code)))
}

/** What a JSON body parser may refuse beyond syntax: returns the error, or undefined to accept. */
export type BodyCheck = (parsed: object) => MockError | undefined

/**
 * A Fastify body parser for JSON objects: no body or a blank one is `undefined`; invalid JSON is
 * Cloudflare's 6007; valid JSON that is not an object is refused; `check` may refuse more.
 */
export function jsonObjectParser (check?: BodyCheck) {
  return (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void): void => {
    const text = body as string
    if (text.trim() === '') return done(null, undefined)
    let parsed: unknown
    try {
      // JSON.parse makes `__proto__` a plain own key, never the prototype. No reviver: it
      // recurses, and deeply nested valid JSON would overflow the stack.
      parsed = JSON.parse(text)
    } catch {
      return done(Errors.malformedJson(), undefined)
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return done(Errors.bodyNotAnObject(), undefined)
    const refusal = check?.(parsed)
    if (refusal !== undefined) return done(refusal, undefined)
    done(null, parsed)
  }
}

/**
 * The envelope plugin: the JSON body parser (no body, an empty body and any JSON object are
 * accepted) and the error handler, so every failure is a Cloudflare failure envelope. (The
 * not-found handler is the Cloudflare surface's, cloudflare/not-found.ts: it answers the 405s of
 * the surface's paths too.)
 */
export default fp(async function envelope (app: FastifyInstance) {
  app.removeAllContentTypeParsers()
  // The Cloudflare routes never read their bodies' content, so nothing more is checked here.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonObjectParser())

  app.setErrorHandler((error: FastifyError | MockError, request: FastifyRequest, reply: FastifyReply) => {
    const failure = failureFor(error, request)
    // The Cloudflare surface's requests carry a note: the coverage report counts the codes answered.
    if (request.mockNote !== undefined) request.mockNote.errorCodes = failure.errors.map((item) => item.code)
    return sendFailure(reply, failure)
  })
}, { name: 'envelope' })
