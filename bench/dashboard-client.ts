/**
 * The bench's open dashboard: a child process that does what dashboard/dashboard.js does while its
 * page is open, without a browser. It follows `GET /__mock/events` with the page's event types
 * (journal entries included: the page opts in to them) read with fetch as the page reads it, and
 * on events re-reads what the page shows (a page of videos, the fault rules, the journal's tail,
 * the clock of each account on the page), at most once per 400 ms however many come, as the page.
 * On SIGTERM it prints one JSON line (DashboardClientResult) and exits.
 */

export interface DashboardClientSpec {
  port: number
  /** The page's event types (dashboard.js EVENT_TYPES). */
  types: string
  /** Least time between two re-reads caused by events (dashboard.js EVENT_REFRESH_MS). */
  refreshMs: number
  /** Videos a page reads (dashboard.js PAGE_SIZE). */
  pageSize: number
}

export interface DashboardClientResult {
  /** Events received (frames with data), and their bytes. */
  events: number
  bytes: number
  /** Re-reads of the state the events caused, and their requests. */
  refreshes: number
  requests: number
  /** Whether the stream was open (200, text/event-stream). */
  streamed: boolean
  errors: number
}

const spec = JSON.parse(process.argv[2] ?? '{}') as DashboardClientSpec
const base = `http://127.0.0.1:${spec.port}/__mock`
const result: DashboardClientResult = { events: 0, bytes: 0, refreshes: 0, requests: 0, streamed: false, errors: 0 }
const controller = new AbortController()

async function read (path: string): Promise<unknown> {
  result.requests++
  const answer = await fetch(`${base}/${path}`, { headers: { accept: 'application/json' }, signal: controller.signal })
  if (!answer.ok) result.errors++
  return ((await answer.json()) as { result: unknown }).result
}

/** What the page's readAll does. */
async function readAll (): Promise<void> {
  const [listed] = await Promise.all([read(`videos?limit=${spec.pageSize}&offset=0`), read('faults'), read('journal?limit=20')])
  const page = listed as { videos: Array<{ account: string }> }
  const accounts = [...new Set(page.videos.map((video) => video.account))]
  await Promise.all(accounts.map(async (account) => await read(`clock?account=${account}`)))
  result.refreshes++
}

let timer: NodeJS.Timeout | undefined
let reading = false
let again = false
let lastRead = 0
let eventsDuringRead = false

/** The page's refreshSoon: one re-read at most every refreshMs, and one more when events came during a read. */
function refreshSoon (): void {
  if (timer !== undefined) return
  if (reading) {
    eventsDuringRead = true
    return
  }
  const wait = Math.max(0, spec.refreshMs - (performance.now() - lastRead))
  timer = setTimeout(() => {
    timer = undefined
    void refresh()
  }, wait)
}

async function refresh (): Promise<void> {
  if (reading) {
    again = true
    return
  }
  reading = true
  try {
    do {
      again = false
      await readAll()
    } while (again)
  } catch {
    if (!controller.signal.aborted) result.errors++
  } finally {
    reading = false
    lastRead = performance.now()
    if (eventsDuringRead) {
      eventsDuringRead = false
      refreshSoon()
    }
  }
}

async function follow (): Promise<void> {
  const response = await fetch(`${base}/events?types=${spec.types}`, { headers: { accept: 'text/event-stream' }, signal: controller.signal })
  result.streamed = response.ok && (response.headers.get('content-type') ?? '').startsWith('text/event-stream')
  if (!result.streamed || response.body === null) {
    result.errors++
    return
  }
  await refresh()
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of response.body) {
    result.bytes += chunk.byteLength
    buffer += decoder.decode(chunk, { stream: true })
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      if (frame.split('\n').some((line) => line.startsWith('data:'))) {
        result.events++
        refreshSoon()
      }
    }
  }
}

process.on('SIGTERM', () => {
  controller.abort()
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
})
// Ready once the stream is open: the bench waits for this line before it loads the server.
follow().catch(() => { if (!controller.signal.aborted) result.errors++ })
const ready = setInterval(() => {
  if (result.streamed && result.refreshes > 0) {
    clearInterval(ready)
    process.stdout.write('{"phase":"streaming"}\n')
  }
}, 20)
