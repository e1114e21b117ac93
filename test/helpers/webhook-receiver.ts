import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One POST the receiver got: its headers and its raw body. */
export interface Received { headers: IncomingHttpHeaders, body: string }

/**
 * A real webhook receiver on a local port (port 0: a free one): it answers each POST with the
 * next status of `statuses` (the last one repeats; default 200), or holds it unanswered
 * (`'hang'`). Tests wait for `next()`, the next POST, never for time.
 */
export class WebhookReceiver {
  readonly received: Received[] = []
  private readonly statuses: Array<number | 'hang'>
  private readonly waiters: Array<(received: Received) => void> = []
  private readonly server: Server
  url = ''

  constructor (statuses: Array<number | 'hang'> = [200]) {
    this.statuses = statuses
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const received = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') }
        const status = this.statuses[Math.min(this.received.length, this.statuses.length - 1)] as number | 'hang'
        this.received.push(received)
        this.waiters.shift()?.(received)
        if (status !== 'hang') response.writeHead(status).end('ok')
      })
    })
  }

  /** Listens on 127.0.0.1 and a free port; `url` is then set. */
  async listen (path = '/hook'): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`
    return this
  }

  /** The next POST (or one already received and not yet taken). */
  async next (): Promise<Received> {
    return await new Promise((resolve) => this.waiters.push(resolve))
  }

  async close (): Promise<void> {
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }
}
