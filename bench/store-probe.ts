/**
 * The store at scale (BENCH_ONLY=store): opening a data file of 100,000 videos against a
 * JSON.parse of the same file, the bound against Fastify's plugin timeout, and the heap a journal
 * entry holds. In one process, on the store from dist/. Prints one JSON line.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

declare const gc: () => void

type StoreModule = typeof import('../src/store/download-store.js')
type JournalModule = typeof import('../src/domain/journal.js')

/** What the probe prints. */
export interface StoreProbeResult {
  videos: number
  fileBytes: number
  parseMs: number[]
  openMs: number[]
  journalBytesPerEntry: number
  journalEntries: number
}

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353'

/** A data file's text with `count` videos, each with a download in progress. */
function dataFileText (count: number): string {
  const lines: string[] = []
  for (let n = 0; n < count; n++) {
    const record = { account: ACCOUNT, downloads: { default: { status: 'inprogress', percent: n % 100, since: 0, model: 'time', speed: 0.001, step: 25 } }, onCreate: {} }
    lines.push(`${JSON.stringify(n.toString(16).padStart(32, '0'))}:${JSON.stringify(record)}`)
  }
  return `{"format":"stream-downloads-mock/data@2","epochMs":0,"log":0,"elapsedMs":0,"clock":{"nowMs":0,"frozen":false,"rate":1},"accountClocks":{},"videos":{\n${lines.join(',\n')}\n}}\n`
}

async function main (): Promise<void> {
  const { dist, tmpDir, videos } = JSON.parse(process.argv[2] ?? '') as { dist: string, tmpDir: string, videos: number }
  const storeModule = await import(pathToFileURL(join(dist, '..', 'store', 'download-store.js')).href) as StoreModule
  const journalModule = await import(pathToFileURL(join(dist, '..', 'domain', 'journal.js')).href) as JournalModule
  const file = join(tmpDir, 'store-probe.json')
  const text = dataFileText(videos)
  const parseMs: number[] = []
  const openMs: number[] = []
  for (let trial = 0; trial < 5; trial++) {
    writeFileSync(file, text)
    for (const name of [`${file}.1.log`, `${file}.2.log`, `${file}.3.log`, `${file}.4.log`]) rmSync(name, { force: true })
    gc()
    let start = performance.now()
    JSON.parse(readFileSync(file, 'utf8'))
    parseMs.push(performance.now() - start)
    gc()
    start = performance.now()
    const store = await storeModule.DownloadStore.open({ fixtures: [], defaults: { model: 'time', speed: 10, step: 25 }, dataFile: file, log: { info: () => {}, error: () => {} }, flushDelayMs: 60_000 })
    openMs.push(performance.now() - start)
    if (store.videoCount !== videos) throw new Error(`opened ${store.videoCount} videos`)
    await store.close()
  }
  // A journal entry's heap: 10,000 GETs with a long query, the path cut at its bound.
  gc()
  const before = process.memoryUsage().heapUsed
  const journal = new journalModule.Journal(10_000)
  const path = `/client/v4/accounts/${ACCOUNT}/stream/${'1'.repeat(32)}/downloads?${'q'.repeat(15_000)}`
  const note = { account: ACCOUNT, video: '1'.repeat(32) }
  for (let n = 0; n < 10_000; n++) journal.record({ wallMs: n, mockMs: n, method: 'GET', path: journalModule.journalPath(path), status: 200, credentials: 'bearer', note, retryAfterMs: undefined })
  gc()
  const perEntry = (process.memoryUsage().heapUsed - before) / 10_000
  const result: StoreProbeResult = { videos, fileBytes: Buffer.byteLength(text), parseMs, openMs, journalBytesPerEntry: perEntry, journalEntries: journal.size }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().catch((error: unknown) => { process.stderr.write(`${String(error)}\n`); process.exit(1) })
