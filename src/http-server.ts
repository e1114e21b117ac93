/**
 * The Node HTTP server under Fastify (its `serverFactory`): what Node would otherwise answer on
 * its own, before Fastify sees the request, with a bare status and no envelope, is either
 * answered with an envelope here or handed to Fastify's routing.
 */
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { Errors } from './domain/errors.js'
import { failureBody } from './plugins/envelope.js'

/** Fastify's handler of a request and its response. */
type Handler = (request: IncomingMessage, response: ServerResponse) => void

/** What the server needs besides Fastify's handler. */
export interface MockServerSettings {
  /** How long a client may take to send the request headers (ms). */
  headersTimeoutMs: number
  /** Fastify's server options it applies to its own servers (its defaults are filled in). */
  keepAliveTimeout: number
  connectionTimeout: number
  /** The app's logger. */
  log: FastifyBaseLogger
}

/**
 * How often Node looks for connections past the headers timeout: a tenth of the timeout, at most
 * once a second (Node's default is 30 s, which made a 60 s timeout answer after up to 89 s).
 */
export function checkingIntervalMs (headersTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(headersTimeoutMs / 10)))
}

/**
 * The HTTP/1.1 server Fastify runs on. Node's own Host check is turned off, so an HTTP/1.1
 * request without Host gets the 400 envelope here rather than Node's bare 400; headers that do not
 * arrive within `headersTimeoutMs` end in a clientError (answered as 408 by the app's
 * clientErrorHandler); a CONNECT request, which Node hands to the 'connect' event instead of
 * the request handler, goes through Fastify's routing like any other method.
 */
export function createMockServer (handler: Handler, settings: MockServerSettings): Server {
  const server = createServer({
    requireHostHeader: false,
    headersTimeout: settings.headersTimeoutMs,
    // No limit on the whole request (Fastify's default); Node refuses a headers timeout above it.
    requestTimeout: 0,
    connectionsCheckingInterval: checkingIntervalMs(settings.headersTimeoutMs)
  }, (request, response) => {
    if (request.headers.host === undefined && request.httpVersion === '1.1') {
      settings.log.info({ method: request.method, url: request.url }, 'HTTP/1.1 request without Host refused')
      const error = Errors.missingHost()
      const body = JSON.stringify(failureBody(error))
      response.writeHead(error.statusCode, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' })
      response.end(body)
      return
    }
    handler(request, response)
  })
  // What Fastify sets on the servers it makes itself.
  server.keepAliveTimeout = settings.keepAliveTimeout
  server.setTimeout(settings.connectionTimeout)
  server.on('connect', (request: IncomingMessage, socket: Duplex) => { routeConnect(handler, request, socket) })
  closeSilentWithIdle(server)
  return server
}

/**
 * Makes a close end the connections that never sent a byte along with the idle ones. Node counts
 * an opened connection with no request yet (a browser's speculative preconnect) as active, so a
 * close waited for it until the headers timeout: with the dashboard open, app.close() took
 * 30-100 s in 1 run in 6 of the browser tests. Such a client has asked nothing and loses nothing.
 */
function closeSilentWithIdle (server: Server): void {
  const open = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    open.add(socket)
    socket.once('close', () => { open.delete(socket) })
  })
  const closeIdle = server.closeIdleConnections.bind(server)
  server.closeIdleConnections = () => {
    closeIdle()
    for (const socket of open) if (socket.bytesRead === 0) socket.destroy()
  }
}

/**
 * Answers a CONNECT request through Fastify: a response on the raw socket, which closes when it
 * is sent (the mock tunnels nothing).
 */
function routeConnect (handler: Handler, request: IncomingMessage, socket: Duplex): void {
  const response = new ServerResponse(request)
  response.shouldKeepAlive = false
  // assignSocket is typed for net.Socket; the 'connect' event's socket is one.
  response.assignSocket(socket as Parameters<ServerResponse['assignSocket']>[0])
  response.on('finish', () => {
    response.detachSocket(socket as Parameters<ServerResponse['detachSocket']>[0])
    socket.end()
  })
  handler(request, response)
}
