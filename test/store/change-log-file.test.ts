import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Progression } from '../../src/domain/progress.js'
import { DATA_FORMAT, DATA_FORMAT_1, DATA_FORMAT_2 } from '../../src/schemas/store.js'
import { DownloadStore, type StoreOptions } from '../../src/store/download-store.js'
import { nodeFileSystem, type FileSystem } from '../../src/store/file-system.js'
import { lockPath } from '../../src/store/data-file-lock.js'
import { savedState } from '../helpers/saved-state.js'

// A data file's writer may still be busy in its folder as a test ends: tap keeps the folder.
t.beforeEach((t) => { t.saveFixture = true })

// The data file is a snapshot and a change log: a change is appended within the flush delay,
// whatever the store's size; the log is folded into a snapshot after a start, a reset, a big
// batch, or once it outgrows the snapshot.

const ACCOUNT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const DEFAULTS: Progression = { model: 'time', speed: 10, step: 25 }
const id = (n: number): string => n.toString(16).padStart(32, '0')
const logged: string[] = []
const log = { info: () => {}, error: (_obj: object, msg?: string) => { logged.push(msg ?? '') } }

async function open (dataFile: string, more: Partial<StoreOptions> = {}): Promise<DownloadStore> {
  return await DownloadStore.open({ fixtures: [{ source: 'inline', document: { videos: [{ id: id(1), account: ACCOUNT }] } }], defaults: DEFAULTS, log, dataFile, flushDelayMs: 5, lock: { heartbeatMs: 0 }, ...more })
}

/** The files as a kill -9 would leave them now: copied beside, without the lock. */
function killed (dataFile: string, into: string): string {
  mkdirSync(into)
  for (const name of readdirSync(join(dataFile, '..'))) {
    if (name.startsWith('data.json') && !name.endsWith('.lock')) cpSync(join(dataFile, '..', name), join(into, name))
  }
  return join(into, 'data.json')
}

t.test('a change is appended and synced, not a rewrite; a kill -9 keeps it', async (t) => {
  const dir = t.testdir({ run: {} })
  const dataFile = join(dir, 'run', 'data.json')
  const store = await open(dataFile)
  const snapshot = readFileSync(dataFile, 'utf8')
  const video = store.lookup(ACCOUNT, id(1))
  if (!video.found) throw new Error('no video')
  store.create(id(1), video.video, 'default')
  store.advance(2500)
  store.setClock({ rate: 2 }, ACCOUNT)
  store.setDefaults({ speed: 5 })
  await store.flush()
  t.equal(readFileSync(dataFile, 'utf8'), snapshot, 'the snapshot is not rewritten for a change')
  const lines = readFileSync(`${dataFile}.1.log`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
  t.match(lines, [{ open: Number }, { video: id(1) }, { clock: 'global' }, { clock: ACCOUNT, state: { rate: 2 } }, { defaults: { speed: 5 } }])

  const copy = killed(dataFile, join(dir, 'after-kill'))
  const restarted = await open(copy)
  t.equal(restarted.now(), 2500, 'mock time as saved')
  t.equal(restarted.now(ACCOUNT), 2500)
  t.equal(restarted.clocks.clockOf(ACCOUNT).rate, 2)
  t.same(restarted.defaults, { ...DEFAULTS, speed: 5 })
  t.same(restarted.stateOf(id(1), 'default'), { status: 'inprogress', percentComplete: 25 })
  await restarted.close()
  await store.close()
})

t.test('after a start from a file, the log is folded into a new snapshot and the old logs go', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const first = await open(dataFile)
  first.advance(100)
  await first.close()
  // A log older than the snapshot's (left by a kill between a snapshot and the removal of the
  // logs it covers) is not read.
  writeFileSync(`${dataFile}.0.log`, 'not even json\n')
  const second = await open(dataFile)
  t.equal(second.now(), 100)
  // The snapshot folding what was replayed comes within the flush delay.
  await second.flush()
  t.same(readdirSync(join(dataFile, '..')).filter((name) => name.endsWith('.log')), ['data.json.3.log'], 'one log, after the new snapshot')
  t.equal(JSON.parse(readFileSync(dataFile, 'utf8')).log, 3)
  t.equal(JSON.parse(readFileSync(dataFile, 'utf8')).clock.nowMs, 100)
  await second.close()
  t.equal(savedState(dataFile).clock.nowMs, 100)
})

t.test('a reset and a big batch are written as a snapshot', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const store = await open(dataFile)
  store.putVideos(Array.from({ length: 1001 }, (_, n) => ({ id: id(n + 10), account: ACCOUNT })))
  await store.flush()
  t.equal(Object.keys(JSON.parse(readFileSync(dataFile, 'utf8')).videos).length, 1002, 'a batch of 1,001 videos: a snapshot')
  await store.reset()
  const one = store.flush()
  await store.reset()
  const two = store.flush()
  await Promise.all([one, two])
  t.equal(Object.keys(JSON.parse(readFileSync(dataFile, 'utf8')).videos).length, 1, 'a reset: a snapshot; a second one during it: one more, after it')
  t.equal(readdirSync(join(dataFile, '..')).filter((name) => name.endsWith('.log')).length, 1)
  await store.close()
})

t.test('a log that outgrows the snapshot is folded into one', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const store = await open(dataFile)
  const ids = Array.from({ length: 900 }, (_, n) => id(n + 10))
  store.putVideos(ids.map((videoId) => ({ id: videoId, account: ACCOUNT })))
  // Changes of one video coalesce into one line a flush: 900 videos of some 130 bytes a line,
  // 10 flushes, more than 1 MiB of log.
  for (let round = 1; round <= 10; round++) {
    for (const videoId of ids) store.setOnCreate(videoId, 'default', { speed: round })
    await store.flush()
  }
  store.setOnCreate(id(1), 'default', { speed: 42 })
  await store.flush()
  await store.flush()
  const logs = readdirSync(join(dataFile, '..')).filter((name) => name.endsWith('.log'))
  t.equal(logs.length, 1, `folded: ${logs.join(', ')}`)
  t.ok(JSON.parse(readFileSync(dataFile, 'utf8')).log > 1)
  await store.close()
  t.same(savedState(dataFile).videos[id(1)]?.onCreate, { default: { speed: 42 } })
  t.same(savedState(dataFile).videos[id(10)]?.onCreate, { default: { speed: 10 } })
})

t.test('a data@1 file opens, migrated: epoch set once, saved as the current format', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  writeFileSync(dataFile, JSON.stringify({ format: DATA_FORMAT_1, clock: { nowMs: 40 }, videos: { [id(2)]: { account: ACCOUNT, downloads: {}, onCreate: {} } } }))
  const store = await open(dataFile, { wallClock: () => 1_000_000 })
  t.equal(store.epochMs, 1_000_000, 'the epoch: the wall time of the first load')
  t.equal(store.videoCount, 1)
  await store.flush()
  await store.close()
  const saved = JSON.parse(readFileSync(dataFile, 'utf8'))
  t.match(saved, { format: DATA_FORMAT, epochMs: 1_000_000, clock: { nowMs: 40 } })
  const again = await open(dataFile, { wallClock: () => 5_000_000 })
  t.equal(again.epochMs, 1_000_000, 'kept across restarts')
  await again.close()
})

t.test('a data@2 file opens, migrated: its videos (no lifecycle) are ready, saved as data@3 with their lifecycles', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const download = { status: 'ready', percent: 100, since: 0, model: 'time', speed: 10, step: 25 }
  writeFileSync(dataFile, JSON.stringify({ format: DATA_FORMAT_2, epochMs: 7, log: 0, elapsedMs: 0, clock: { nowMs: 40 }, videos: { [id(2)]: { account: ACCOUNT, downloads: { default: download }, onCreate: {} } } }))
  const store = await open(dataFile)
  t.equal(store.getVideo(id(2))?.lifecycle, undefined, 'no lifecycle: ready since mock 0')
  store.setVideoLife(id(2), { state: 'queued', dropDownloads: true })
  await store.flush()
  await store.close()
  const again = await open(dataFile)
  t.match(again.getVideo(id(2)), { lifecycle: { state: 'queued' }, downloads: {} }, 'the lifecycle survives a restart')
  await again.close()
  t.equal(JSON.parse(readFileSync(dataFile, 'utf8')).format, 'stream-downloads-mock/data@3')
})

t.test('more videos in a data file than the bound: refused at start, naming the file', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const store = await open(dataFile)
  store.putVideos([{ id: id(2), account: ACCOUNT }, { id: id(3), account: ACCOUNT }])
  await store.close()
  const error = await open(dataFile, { maxVideos: 2 }).then(() => new Error('opened'), (e: unknown) => e as Error)
  t.equal(error.message, `${dataFile}: holds 3 videos; the store holds at most 2 (MOCK_MAX_VIDEOS): raise it, or remove the file to start from the fixtures`)
  t.notOk(existsSync(lockPath(dataFile)), 'the lock is released')
})

t.test('a failed append is cut back; one that cannot be cut starts a new log with a snapshot', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  let failWrites = false
  let failTruncate = false
  const fileSystem: FileSystem = {
    ...nodeFileSystem,
    open: async (path, flags) => {
      const handle = await nodeFileSystem.open(path, flags)
      return {
        write: async (buffer, offset, length, position) => {
          if (failWrites && path.endsWith('.log')) {
            await handle.write(buffer, offset, Math.ceil(length / 2), position)
            throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' })
          }
          return await handle.write(buffer, offset, length, position)
        },
        sync: async () => { await handle.sync() },
        truncate: async (length) => { if (failTruncate) throw new Error('EIO'); await handle.truncate(length) },
        stat: async () => await handle.stat(),
        readFile: async (encoding) => await handle.readFile(encoding),
        close: async () => { await handle.close() }
      }
    }
  }
  const store = await open(dataFile, { fileSystem })
  const good = readFileSync(`${dataFile}.1.log`, 'utf8')
  logged.length = 0
  failWrites = true
  store.advance(10)
  await store.flush()
  t.same(logged, ['cannot write the data file; serving from memory'])
  t.equal(readFileSync(`${dataFile}.1.log`, 'utf8'), good, 'cut back to its last whole line')
  failTruncate = true
  await store.flush()
  t.not(readFileSync(`${dataFile}.1.log`, 'utf8'), good, 'a half line left')
  failWrites = false
  await store.flush()
  t.ok(existsSync(`${dataFile}.2.log`), 'a new log')
  t.equal(JSON.parse(readFileSync(dataFile, 'utf8')).clock.nowMs, 10, 'in the snapshot that starts it')
  t.notOk(existsSync(`${dataFile}.1.log`), 'the broken log removed')
  await store.close()
  t.equal(savedState(dataFile).clock.nowMs, 10)
})

t.test('a snapshot that fails is tried again; logs without a snapshot are not read', async (t) => {
  const dir = t.testdir()
  const dataFile = join(dir, 'data.json')
  let failRename = false
  const fileSystem: FileSystem = { ...nodeFileSystem, rename: async (from, to) => { if (failRename) throw Object.assign(new Error('EIO'), { code: 'EIO' }); await nodeFileSystem.rename(from, to) } }
  const store = await open(dataFile, { fileSystem })
  failRename = true
  logged.length = 0
  await store.reset()
  await store.flush()
  t.same(logged, ['cannot write the data file; serving from memory'])
  failRename = false
  await store.flush()
  t.equal(JSON.parse(readFileSync(dataFile, 'utf8')).log, 3, 'the snapshot of the second try')
  await store.close()
  rmSync(dataFile)
  writeFileSync(`${dataFile}.9.log`, 'not even json\n')
  const fresh = await open(dataFile)
  t.equal(fresh.videoCount, 1, 'no snapshot: seeded from the fixtures')
  await fresh.close()
})

t.test('a clock given back is saved as gone; a new log that cannot be opened is tried again', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  let failOpen = false
  const fileSystem: FileSystem = { ...nodeFileSystem, open: async (path, flags) => { if (failOpen && path.endsWith('.2.log')) throw Object.assign(new Error('EMFILE'), { code: 'EMFILE' }); return await nodeFileSystem.open(path, flags) } }
  const store = await open(dataFile, { fileSystem })
  store.setClock({ frozen: true }, ACCOUNT)
  await store.flush()
  t.same(savedState(dataFile).accountClocks, { [ACCOUNT]: { nowMs: 0, frozen: true, rate: 1 } })
  await store.reset(ACCOUNT)
  await store.flush()
  t.same(savedState(dataFile).accountClocks, {}, 'the account follows the global clock again')
  failOpen = true
  logged.length = 0
  await store.reset()
  await store.flush()
  t.same(logged, ['cannot write the data file; serving from memory'])
  failOpen = false
  await store.flush()
  t.equal(JSON.parse(readFileSync(dataFile, 'utf8')).log, 2, 'the snapshot, on the second try')
  await store.close()
})
