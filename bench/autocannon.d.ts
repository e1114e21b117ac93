/** The part of autocannon's API (CommonJS, no bundled types) that the bench's load worker uses. */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
    /** Called before each send with the request (the connection's url fields merged in); returns the one to send. */
    setupRequest?: (request: Request, context: Record<string, unknown>) => Request
  }

  export interface Options {
    url: string | string[]
    connections?: number
    duration?: number
    headers?: Record<string, string>
    method?: string
    requests?: Request[]
    overallRate?: number
    timeout?: number
  }

  export interface Histogram {
    average: number
    p50: number
    p99: number
  }

  export interface Result {
    requests: Histogram & { total: number }
    latency: Histogram
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    resets: number
    mismatches: number
    statusCodeStats: Record<string, { count: number }>
  }

  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop: () => void
  }

  function autocannon (options: Options): Instance
  export default autocannon
}
