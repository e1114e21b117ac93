import t from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DataFileError } from '../../src/store/data-file.js'
import { DataFileLock, lockPath, parseLock, type LockRecord } from '../../src/store/data-file-lock.js'
import { DownloadStore } from '../../src/store/download-store.js'
import { nodeFileSystem, type FileSystem } from '../../src/store/file-system.js'

// A data file's writer may still be busy in its folder as a test ends (a snapshot after a
// start): tap keeps the folder rather than race it (it clears it before the next run).
t.beforeEach((t) => { t.saveFixture = true })

const coded = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code })

/** node's file system with some calls replaced: a replacement returning undefined passes the call on. */
function faulty (over: { [K in keyof FileSystem]?: (...args: Parameters<FileSystem[K]>) => Error | string | undefined }): FileSystem {
  const fs = { ...nodeFileSystem } as Record<string, (...args: unknown[]) => Promise<unknown>>
  for (const [name, replace] of Object.entries(over) as Array<[string, (...args: unknown[]) => Error | string | undefined]>) {
    const real = fs[name]!
    fs[name] = async (...args) => {
      const verdict = replace(...args)
      if (verdict instanceof Error) throw verdict
      if (typeof verdict === 'string') return verdict
      return await real(...args)
    }
  }
  return fs as unknown as FileSystem
}

function fakeTime (): { now: () => number, sleep: (ms: number) => Promise<void> } {
  let at = 10_000
  return { now: () => at, sleep: async (ms) => { at += ms } }
}

const OTHER: LockRecord = { host: 'elsewhere', pid: 1, startedAt: 0, heartbeatAt: 0, owner: 'other' }

t.test('acquire: a lock that vanishes is made again; read errors and failed takeovers are refused', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'data.json')
  writeFileSync(lockPath(file), JSON.stringify(OTHER))
  let reads = 0
  const vanishing = faulty({ readFile: () => { if (reads++ === 0) { writeFileSync(lockPath(file) + '.gone', ''); return coded('ENOENT') } return undefined } })
  // The stale lock is taken over on the second look.
  const time = fakeTime()
  const lock = await DataFileLock.acquire(file, { fileSystem: vanishing, ...time, heartbeatMs: 0 })
  t.equal(parseLock(readFileSync(lockPath(file), 'utf8'))!.owner, lock.content.owner)
  await lock.release()

  writeFileSync(lockPath(file), JSON.stringify(OTHER))
  const unreadable = await DataFileLock.acquire(file, { fileSystem: faulty({ readFile: () => coded('EACCES') }), ...fakeTime(), heartbeatMs: 0 }).catch((e: unknown) => e as Error)
  t.equal((unreadable as Error).message, `${file}: cannot be written (EACCES)`)
  const noRename = await DataFileLock.acquire(file, { fileSystem: faulty({ rename: () => coded('EXDEV') }), ...fakeTime(), heartbeatMs: 0 }).catch((e: unknown) => e as Error)
  t.equal((noRename as Error).message, `${file}: cannot be written (EXDEV)`)
  t.same(JSON.parse(readFileSync(lockPath(file), 'utf8')), OTHER, 'the lock as it was')
  const full = await DataFileLock.acquire(join(dir, 'fresh.json'), { fileSystem: faulty({ open: (path) => { if (String(path).endsWith('.lock')) return undefined; return undefined } }), ...fakeTime(), heartbeatMs: 0 })
  await full.release()
})

t.test('acquire: a takeover another server won at the same time is looked at again', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  writeFileSync(lockPath(file), JSON.stringify(OTHER))
  let renamed = 0
  // Right after our first rename, another server's lock replaces ours.
  const racing = faulty({ rename: () => { renamed++; return undefined }, readFile: () => renamed === 1 ? (renamed++, JSON.stringify({ ...OTHER, heartbeatAt: 10_000 })) : undefined })
  const lock = await DataFileLock.acquire(file, { fileSystem: racing, ...fakeTime(), heartbeatMs: 0 })
  t.ok(renamed >= 2, 'taken over again once the other looked stale')
  await lock.release()
})

t.test('a lock whose content cannot be written is not left half made', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  const fs: FileSystem = {
    ...nodeFileSystem,
    open: async (path, flags) => {
      const handle = await nodeFileSystem.open(path, flags)
      return { ...handle, write: async () => { throw coded('ENOSPC') }, close: async () => { await handle.close() } }
    }
  }
  const error = await DataFileLock.acquire(file, { fileSystem: fs, heartbeatMs: 0 }).catch((e: unknown) => e as Error)
  t.equal((error as Error).message, `${file}: cannot be written (ENOSPC)`)
  t.notOk(existsSync(lockPath(file)))
})

t.test('heartbeat: errors are reported, a vanished lock is made again', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  let fail: Error | undefined
  let failRename: Error | undefined
  const errors: unknown[] = []
  const lock = await DataFileLock.acquire(file, {
    fileSystem: faulty({ readFile: () => fail, rename: () => failRename }), heartbeatMs: 0, onError: (error) => errors.push(error)
  })
  fail = coded('EIO')
  await lock.heartbeat()
  fail = undefined
  failRename = coded('EROFS')
  await lock.heartbeat()
  t.same(errors.map((error) => (error as NodeJS.ErrnoException).code), ['EIO', 'EROFS'])
  failRename = undefined
  writeFileSync(lockPath(file), '')
  await lock.heartbeat()
  t.same(lock.lost, { holder: undefined }, 'an unreadable lock in place is another\'s')
  await lock.release()
  const again = await DataFileLock.acquire(join(file, '..', 'b.json'), { heartbeatMs: 0 })
  const { rmSync } = await import('node:fs')
  rmSync(lockPath(join(file, '..', 'b.json')))
  await again.heartbeat()
  t.ok(existsSync(lockPath(join(file, '..', 'b.json'))), 'made again')
  await again.release()
})

t.test('the store: lock errors and a lost lock are logged; a lost lock stops the writes and fails close', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'data.json')
  const logged: string[] = []
  let failRead: Error | undefined
  const store = await DownloadStore.open({
    fixtures: [],
    defaults: { model: 'time', speed: 10, step: 25 },
    dataFile: file,
    fileSystem: faulty({ readFile: (path) => String(path).endsWith('.lock') ? failRead : undefined }),
    log: { info: () => {}, error: (_obj, msg) => logged.push(msg ?? '') },
    lock: { heartbeatMs: 0 }
  })
  failRead = coded('EIO')
  await store.dataFileLock!.heartbeat()
  failRead = undefined
  writeFileSync(lockPath(file), JSON.stringify(OTHER))
  await store.dataFileLock!.heartbeat()
  t.match(logged, ['cannot refresh the data file\'s lock', /^another server took the data file's lock over/])
  const writes = store.writes
  store.setDefaults({ speed: 5 })
  await store.flush()
  t.equal(store.writes, writes, 'no more writes')
  const error = await store.close().catch((e: unknown) => e as DataFileError)
  t.equal(error?.message, `${file}: cannot write the final state; changes since the last write are lost (ELOCKLOST)`)
  t.same(JSON.parse(readFileSync(lockPath(file), 'utf8')), OTHER, 'the other server\'s lock stays')
})

t.test('the store: a start write that fails after the lock is taken releases it', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  const fs = faulty({ open: (path, flags) => String(path).endsWith('.tmp') && !String(path).includes('.lock.') && flags === 'w' ? coded('EACCES') : undefined })
  const error = await DownloadStore.open({ fixtures: [], defaults: { model: 'time', speed: 10, step: 25 }, dataFile: file, fileSystem: fs, log: { info: () => {}, error: () => {} }, lock: { heartbeatMs: 0 } }).catch((e: unknown) => e as Error)
  t.equal((error as Error).message, `${file}: cannot be written (EACCES)`)
  t.notOk(existsSync(lockPath(file)))
})
