/**
 * A child's heap after a full GC, read over the inspector protocol: the soak's leak check. RSS
 * alone cannot tell a leak from V8 sizing its heap for the load (it grows in steps of 10-50 MiB
 * at moments that vary from run to run, and keeps the pages after a GC), so the soak compares
 * what survives a full collection, early and at the end.
 */

/** Connects to a child started with `--inspect=127.0.0.1:<port>`. */
export async function connectInspector (port: number): Promise<InspectedHeap> {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as Array<{ webSocketDebuggerUrl: string }>
  const url = targets[0]?.webSocketDebuggerUrl
  if (url === undefined) throw new Error(`no inspector target on port ${port}`)
  const socket = new WebSocket(url)
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true })
    socket.addEventListener('error', () => { reject(new Error(`cannot connect to the inspector at ${url}`)) }, { once: true })
  })
  return new InspectedHeap(socket)
}

/** One inspector session: commands answered by id. */
export class InspectedHeap {
  private readonly socket: WebSocket
  private nextId = 1
  private readonly waiting = new Map<number, (result: unknown) => void>()

  constructor (socket: WebSocket) {
    this.socket = socket
    socket.addEventListener('message', (message) => {
      const answer = JSON.parse(String(message.data)) as { id?: number, result?: unknown }
      if (answer.id !== undefined) this.waiting.get(answer.id)?.(answer.result)
    })
  }

  private async send (method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++
    const answered = new Promise((resolve) => { this.waiting.set(id, resolve) })
    this.socket.send(JSON.stringify({ id, method, params }))
    const result = await answered
    this.waiting.delete(id)
    return result
  }

  /**
   * Right after a full garbage collection: bytes of heap in use, and the process's
   * `memoryUsage()` (heap committed, memory outside the heap), to say where the RSS is.
   */
  async afterGc (): Promise<{ used: number, memory: NodeJS.MemoryUsage }> {
    await this.send('HeapProfiler.collectGarbage')
    const usage = await this.send('Runtime.getHeapUsage') as { usedSize: number }
    const evaluated = await this.send('Runtime.evaluate', { expression: 'process.memoryUsage()', returnByValue: true }) as { result: { value: NodeJS.MemoryUsage } }
    return { used: usage.usedSize, memory: evaluated.result.value }
  }

  close (): void {
    this.socket.close()
  }
}
