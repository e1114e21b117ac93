import t from 'tap'
import { savedState } from '../helpers/saved-state.js'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { DATA_FORMAT, type Snapshot, type StoreData, type VideoRecord } from '../../src/schemas/store.js'
import { DataFile, DataFileError } from '../../src/store/data-file.js'
import { DownloadStore } from '../../src/store/download-store.js'

// A data file's writer may still be busy in its folder as a test ends (a snapshot after a
// start): tap keeps the folder rather than race it (it clears it before the next run).
t.beforeEach((t) => { t.saveFixture = true })

/** The snapshot the adapter writes for store data. */
function snap (data: StoreData): Snapshot {
  const { videos, ...head } = data
  return { head, videos: Object.entries(videos) }
}

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353'
const OTHER = 'ffffffffffffffffffffffffffffffff'

/** A 32-hex-character video id. */
const videoId = (index: number): string => `f11e${index.toString(16).padStart(28, '0')}`

/** A video with a `time` download in progress, and sometimes more. */
function video (index: number): VideoRecord {
  const record: VideoRecord = {
    account: ACCOUNT,
    downloads: { default: { status: 'inprogress', percent: index % 100, since: index * 10, model: 'time', speed: 10 + index % 7, step: 25 } },
    onCreate: {}
  }
  if (index % 3 === 0) record.downloads.audio = { status: 'ready', percent: 100, since: 0, model: 'polls', speed: 10, step: 12.5, failAt: 80 }
  if (index % 5 === 0) record.onCreate.default = { model: 'manual', holdAt: 40 }
  return record
}

/** Store data with `count` videos; `extra` adds or replaces top-level fields. */
function storeData (count: number, extra: Partial<StoreData> = {}): StoreData {
  const videos: StoreData['videos'] = {}
  for (let index = 0; index < count; index++) videos[videoId(index)] = video(index)
  return { format: DATA_FORMAT, clock: { nowMs: 1234, frozen: false, rate: 1 }, ...extra, videos }
}

const parse = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'))

async function rejection (promise: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  return await promise.then(() => new Error('did not reject'), (error: unknown) => error as NodeJS.ErrnoException)
}

t.test('what is written parses to exactly the data given', async (t) => {
  const dir = t.testdir({})
  const shapes: Array<[string, StoreData]> = [
    ['no videos', storeData(0)],
    ['no videos, every top-level field', storeData(0, { accountClocks: {}, defaults: {} })],
    ['videos', storeData(7)],
    ['account clocks', storeData(3, { accountClocks: { [ACCOUNT]: { nowMs: 99, frozen: true, rate: 0.5 } } })],
    ['defaults', storeData(3, { defaults: { model: 'polls', step: 5, failAt: 90 } })],
    ['everything, clock fields left out', storeData(4, { clock: { nowMs: 0 }, accountClocks: { [ACCOUNT]: { nowMs: 5 } }, defaults: { speed: 3 } })]
  ]
  for (const sliceMs of [0, 2]) {
    const file = join(dir, `data-${sliceMs}.json`)
    const adapter = new DataFile(file, { sliceMs, wallClock: () => 42 })
    for (const [name, data] of shapes) {
      await adapter.write(snap(data))
      t.strictSame(parse(file), data, `${name}, slices of ${sliceMs} ms`)
      // Read back checked, and brought to the current format (this data has no epoch or log).
      const read = await adapter.read()
      t.strictSame(read === null ? null : { head: read.head, videos: [...read.videos] }, snap({ ...data, format: DATA_FORMAT, epochMs: 42, log: 0, elapsedMs: 0 }), `${name}: read() gives it back`)
    }
  }
  t.same(readdirSync(dir).sort(), ['data-0.json', 'data-2.json'], 'no temporary file left behind')
})

t.test('compact JSON, one video per line, smaller than pretty JSON', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  const data = storeData(3, { accountClocks: {} })
  await new DataFile(file, { sliceMs: 0 }).write(snap(data))
  const text = readFileSync(file, 'utf8')
  const line = (index: number): string => `"${videoId(index)}":${JSON.stringify(video(index))}`
  t.equal(text, [
    `{"format":"${DATA_FORMAT}","clock":{"nowMs":1234,"frozen":false,"rate":1},"accountClocks":{},"videos":{`,
    `${line(0)},`,
    `${line(1)},`,
    line(2),
    '}}',
    ''
  ].join('\n'))
  t.ok(text.length < JSON.stringify(data, null, 2).length * 0.7, `${text.length} bytes, pretty JSON ${JSON.stringify(data, null, 2).length}`)

  await new DataFile(file).write(snap(storeData(0)))
  t.equal(readFileSync(file, 'utf8'), `{"format":"${DATA_FORMAT}","clock":{"nowMs":1234,"frozen":false,"rate":1},"videos":{\n}}\n`, 'no videos')
})

t.test('the store writes its data file through it', async (t) => {
  const dataFile = join(t.testdir({}), 'data.json')
  const store = await DownloadStore.open({
    fixtures: [{ source: 'inline', document: { videos: [{ id: videoId(1), account: ACCOUNT }, { id: videoId(2), account: ACCOUNT }] } }],
    defaults: { model: 'time', speed: 10, step: 25 },
    dataFile,
    log: { info: () => {}, error: () => {} }
  })
  await store.close()
  const lines = readFileSync(dataFile, 'utf8').split('\n')
  t.equal(lines.length, 5, 'the head, two videos, the end, and the final newline')
  t.match(lines[1], new RegExp(`^"${videoId(1)}":\\{"account":"${ACCOUNT}"`))
})

t.test('a snapshot\'s videos are written in the order listed', async (t) => {
  const given = join(t.testdir({}), 'given.json')
  const data = storeData(3)
  await new DataFile(given).write({ head: snap(data).head, videos: [2, 0].map((index) => [videoId(index), data.videos[videoId(index)] as VideoRecord] as const) })
  const lines = readFileSync(given, 'utf8').split('\n')
  t.same(lines.slice(1, 3).map((line) => line.slice(1, 33)), [videoId(2), videoId(0)], 'the listing decides, in its order')
  t.same(Object.keys((parse(given) as StoreData).videos), [videoId(2), videoId(0)])
})

t.test('what the store saves (snapshot and change log) is in step with every change', async (t) => {
  const dataFile = join(t.testdir({}), 'data.json')
  const fixtures = [{ source: 'inline', document: { videos: [{ id: videoId(1), account: ACCOUNT }, { id: videoId(2), account: ACCOUNT }, { id: videoId(3), account: OTHER }] } }]
  const store = await DownloadStore.open({ fixtures, defaults: { model: 'time', speed: 10, step: 25 }, dataFile, log: { info: () => {}, error: () => {} } })
  // By teardown the test's folder is gone: the close cannot write there, which is not what is tested.
  t.teardown(async () => { await store.close().catch(() => {}) })
  const saved = async (): Promise<StoreData['videos']> => {
    await store.flush()
    return savedState(dataFile).videos
  }
  const ids = (): string[] => store.listVideos().map((view) => view.id).sort()
  t.equal(store.videoCount, 3)
  t.ok(store.lookup(OTHER, videoId(4), true).found, 'a video made on first use')
  store.putVideos([{ id: videoId(1), account: ACCOUNT, downloads: { default: { status: 'ready' } } }, { id: videoId(5), account: ACCOUNT }])
  t.ok(store.deleteVideo(videoId(2)))
  t.same(Object.keys(await saved()).sort(), ids())
  t.equal(store.videoCount, 4)
  t.match((await saved())[videoId(1)], { downloads: { default: { status: 'ready' } } }, 'the replaced record, not the old one')
  await store.reset(OTHER)
  t.same(Object.keys(await saved()).sort(), ids(), 'after a reset of one account')
  t.same(ids(), [videoId(1), videoId(3), videoId(5)])
  t.equal(store.videoCount, 3)
  await store.reset()
  t.same(Object.keys(await saved()).sort(), [videoId(1), videoId(2), videoId(3)], 'after a reset of all')
  t.equal(store.videoCount, 3)
  await store.close()
})

t.test('read: null when there is no file, an error when it cannot be read, parsed or used', async (t) => {
  const dir = t.testdir({ folder: {}, 'corrupt.json': '{"format"', 'null.json': 'null' })
  t.equal(await new DataFile(join(dir, 'missing.json')).read(), null, 'no file')
  t.match((await rejection(new DataFile(join(dir, 'null.json')).read())).message, /null\.json: \$: expected object \(got null\)$/, 'a file holding null is refused, never taken for none')
  t.equal((await rejection(new DataFile(join(dir, 'folder')).read())).message, `${join(dir, 'folder')}: is a directory, not a regular file; remove it or name a regular file`)
  const corrupt = await rejection(new DataFile(join(dir, 'corrupt.json')).read())
  t.type(corrupt, DataFileError)
  t.match(corrupt.message, /corrupt\.json: is not valid JSON \(/)
})

t.test('a failed write rejects, leaves the old file as it was and no temporary file', async (t) => {
  const dir = t.testdir({ 'data.json': 'the old content', folder: { 'data.json': {} } })
  const file = join(dir, 'data.json')
  const adapter = new DataFile(file, { sliceMs: 0 })

  // Failing in the middle of the serialization, after some slices went to the temporary file.
  const data = storeData(50)
  ;(data.videos[videoId(40)] as unknown as { downloads: { default: { since: unknown } } }).downloads.default.since = 10n
  const failed = await rejection(adapter.write(snap(data)))
  t.type(failed, TypeError, `the serialization's error (${failed.message})`)
  t.equal(readFileSync(file, 'utf8'), 'the old content', 'the old file is intact')
  t.same(readdirSync(dir).sort(), ['data.json', 'folder'], 'no temporary file left')

  // Failing at the rename: the target is a folder.
  const target = join(dir, 'folder', 'data.json')
  t.equal((await rejection(new DataFile(target).write(snap(storeData(2))))).code, 'EISDIR')
  t.ok(statSync(target).isDirectory(), 'the folder is still there')
  t.same(readdirSync(join(dir, 'folder')), ['data.json'], 'no temporary file left')

  // Failing at the start: no folder to write in.
  t.equal((await rejection(new DataFile(join(dir, 'missing', 'data.json')).write(snap(storeData(2))))).code, 'ENOENT')
  t.notOk(existsSync(join(dir, 'missing')))

  // The next write after a failure goes through.
  await adapter.write(snap(storeData(2)))
  t.strictSame(parse(file), storeData(2))
})

t.test('temporary files left by killed processes are removed by the next holder of the lock', async (t) => {
  const dir = t.testdir({
    '.data.json.tmp': 'x'.repeat(100_000),
    '.data.json.123.abcdef.tmp': 'cut',
    '.data.json.lock.123.abcdef.tmp': '{',
    '.other.json.123.abcdef.tmp': 'another file\'s',
    '.data.json.notes.tmp': 'not a name of ours'
  })
  const file = join(dir, 'data.json')
  const store = await DownloadStore.open({ fixtures: [], defaults: { model: 'time', speed: 10, step: 25 }, dataFile: file, log: { info: () => {}, error: () => {} }, lock: { heartbeatMs: 0 } })
  await store.close()
  t.same(readdirSync(dir).sort(), ['.data.json.notes.tmp', '.other.json.123.abcdef.tmp', 'data.json', 'data.json.1.log'])
})

t.test('writes called together run one at a time, in order: the last one wins', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'data.json')
  const adapter = new DataFile(file, { sliceMs: 0 })
  const datas = [1, 2, 3].map((nowMs) => storeData(300, { clock: { nowMs } }))
  const settled: number[] = []
  // One temporary file for all of them: two writes at once would mix their slices in it.
  const writes = datas.map(async (data, index) => {
    await adapter.write(snap(data))
    settled.push(index)
    // Each write is the file's content when it resolves: the next has not renamed its file yet.
    t.strictSame(parse(file), data, `write ${index + 1} is the file when it resolves`)
  })
  // A failing write in the middle does not stop the ones after it.
  const failing = adapter.write(snap({ ...storeData(0), videos: { [videoId(0)]: 1n as unknown as VideoRecord } }))
  const last = adapter.write(snap(datas[2]!))
  await Promise.all(writes)
  t.type(await rejection(failing), TypeError)
  await last
  t.same(settled, [0, 1, 2])
  t.strictSame(parse(file), datas[2])
  t.same(readdirSync(dir), ['data.json'])
})

// Behaviour only: how long the loop is away, and how much longer a write takes on a busy loop,
// are timings for the bench (npm run bench measures the stall per flush), not for npm test.
t.test('the event loop keeps turning during a large write', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  const data = storeData(50_000)
  const adapter = new DataFile(file)
  let turns = 0
  let writing = true
  const turn = (): void => {
    turns++
    if (writing) setImmediate(turn)
  }
  setImmediate(turn)
  await adapter.write(snap(data))
  writing = false
  t.ok(turns > 10, `the loop turned during the write (${turns} turns)`)
  t.strictSame(parse(file), data)
})

t.test('a write still ends on a busy event loop', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  const data = storeData(20_000)
  const adapter = new DataFile(file)
  // Every other turn of the event loop spins for 8 ms while the write runs.
  let writing = true
  let hogs = 0
  const hog = (): void => {
    hogs++
    const until = performance.now() + 8
    while (performance.now() < until);
    if (writing) setImmediate(hog)
  }
  setImmediate(hog)
  await adapter.write(snap(data))
  writing = false
  t.ok(hogs > 1, `the loop was busy between slices (${hogs} turns of 8 ms)`)
  t.strictSame(parse(file), data)
})
