import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DATA_FORMAT, type Snapshot, type StoreData } from '../../src/schemas/store.js'
import { FixtureError } from '../../src/seed/fixture-error.js'
import { DataFile, DataFileError, readDataFile } from '../../src/store/data-file.js'
import { DownloadStore } from '../../src/store/download-store.js'
import { irregularKind, nodeFileSystem, syncDirectory, writeAll, type FileHandleLike, type FileSystem } from '../../src/store/file-system.js'

// A data file's writer may still be busy in its folder as a test ends (a snapshot after a
// start): tap keeps the folder rather than race it (it clears it before the next run).
t.beforeEach((t) => { t.saveFixture = true })

/** The snapshot the adapter writes for store data. */
function snap (data: StoreData): Snapshot {
  const { videos, ...head } = data
  return { head, videos: Object.entries(videos) }
}

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353'
const data = (nowMs: number): StoreData => ({ format: DATA_FORMAT, clock: { nowMs }, videos: {} })
const coded = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code })

/** node's file system, with the writes of the temporary file and change logs replaced as `on` says, and every call recorded. */
function faulty (on: { write?: (length: number, call: number) => number | Error, sync?: (path: string) => Error | undefined, openDir?: Error }): { fs: FileSystem, calls: string[] } {
  const calls: string[] = []
  let writes = 0
  const fs: FileSystem = {
    ...nodeFileSystem,
    open: async (path, flags) => {
      if (on.openDir !== undefined && flags === 'r') throw on.openDir
      const handle = await nodeFileSystem.open(path, flags)
      const isTemp = (path.endsWith('.tmp') && !path.includes('.lock.')) || path.endsWith('.log')
      return {
        write: async (buffer, offset, length, position) => {
          const verdict = isTemp && on.write !== undefined ? on.write(length, ++writes) : length
          if (verdict instanceof Error) throw verdict
          calls.push(`write ${verdict}/${length}`)
          return await handle.write(buffer, offset, verdict, position)
        },
        sync: async () => {
          calls.push(`sync ${flags === 'r' ? 'folder' : 'file'}`)
          const error = on.sync?.(path)
          if (error !== undefined) throw error
          await handle.sync()
        },
        stat: async () => await handle.stat(),
        truncate: async (length) => { calls.push(`truncate ${length}`); await handle.truncate(length) },
        readFile: async (encoding) => await handle.readFile(encoding),
        close: async () => { await handle.close() }
      } satisfies FileHandleLike
    },
    rename: async (from, to) => { calls.push('rename'); await nodeFileSystem.rename(from, to) }
  }
  return { fs, calls }
}

t.test('a write goes: temp file written whole, synced, renamed, folder synced', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  const { fs, calls } = faulty({ write: (length) => Math.ceil(length / 3) })
  await new DataFile(file, { fileSystem: fs, sliceMs: 0 }).write(snap(data(5)))
  t.strictSame(JSON.parse(readFileSync(file, 'utf8')), data(5), 'short writes are written again until whole')
  t.ok(calls.filter((call) => call.startsWith('write')).length > 3, 'several short writes')
  t.same(calls.slice(-3), ['sync file', 'rename', 'sync folder'])
})

for (const [name, on, code] of [
  ['ENOSPC on a write', { write: (length: number, call: number) => call === 2 ? coded('ENOSPC') : length }, 'ENOSPC'],
  ['a write that writes nothing', { write: (length: number, call: number) => call === 1 ? Math.floor(length / 2) : 0 }, 'ESHORTWRITE'],
  ['EIO on the fsync', { sync: () => coded('EIO') }, 'EIO'],
  ['EIO on the folder\'s fsync', { sync: (path: string) => path.endsWith('.tmp') ? undefined : coded('EIO') }, 'EIO']
] as const) {
  t.test(`${name}: the write rejects, the old file stays whole, no temp file is left`, async (t) => {
    const dir = t.testdir({})
    const file = join(dir, 'data.json')
    await new DataFile(file).write(snap(data(1)))
    const error = await new DataFile(file, { fileSystem: faulty(on).fs }).write(snap(data(2))).catch((e: unknown) => e as NodeJS.ErrnoException)
    t.equal(error?.code, code)
    // The folder's fsync comes after the rename: the new file is there, whole.
    t.strictSame(JSON.parse(readFileSync(file, 'utf8')), code === 'EIO' && name.includes('folder') ? data(2) : data(1))
    t.same(readdirSync(dir), ['data.json'])
  })
}

t.test('a folder that cannot be synced where the platform does not allow it', async (t) => {
  const dir = t.testdir({})
  await syncDirectory(faulty({ openDir: coded('EISDIR') }).fs, dir)
  await syncDirectory(faulty({ sync: () => coded('EINVAL') }).fs, dir)
  t.equal((await syncDirectory(faulty({ openDir: coded('EIO') }).fs, dir).catch((e: unknown) => e as NodeJS.ErrnoException))?.code, 'EIO')
})

t.test('writeAll and the kinds of file', async (t) => {
  const handle = { write: async () => ({ bytesWritten: 0 }) } as unknown as FileHandleLike
  t.equal((await writeAll(handle, 'abc').catch((e: unknown) => e as NodeJS.ErrnoException))?.code, 'ESHORTWRITE')
  await writeAll(handle, '')
  const kind = (which: string): string | undefined => irregularKind({
    isFile: () => which === 'file',
    isDirectory: () => which === 'dir',
    isFIFO: () => which === 'fifo',
    isSocket: () => which === 'socket',
    isCharacterDevice: () => which === 'char',
    isBlockDevice: () => which === 'block',
    mtimeMs: 0
  })
  t.same(['file', 'dir', 'fifo', 'socket', 'char', 'block', 'none'].map(kind),
    [undefined, 'a directory', 'a FIFO (named pipe)', 'a socket', 'a character device', 'a block device', 'not a regular file'])
})

t.test('a FIFO as data file is refused at once, naming it', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  try {
    execFileSync('mkfifo', [file])
  } catch {
    t.comment('mkfifo is not available: skipped')
    return
  }
  const error = await readDataFile(file).catch((e: unknown) => e as Error)
  t.type(error, DataFileError)
  t.equal((error as Error).message, `${file}: is a FIFO (named pipe), not a regular file; remove it or name a regular file`)
  t.equal((await readDataFile('/dev/null').catch((e: unknown) => e as Error) as Error).message, '/dev/null: is a character device, not a regular file; remove it or name a regular file')
})

t.test('a data file breaking the fixtures\' rules is refused, naming the file and JSON path', async (t) => {
  const dir = t.testdir({})
  const video = 'abcdef0123456789abcdef0123456789'
  const record = { status: 'ready', percent: 50, since: 0, model: 'time', speed: 10, step: 25 }
  for (const [name, download, problem] of [
    ['ready at 50', record, 'a ready download is at 100 (got 50)'],
    ['inprogress at 100', { ...record, status: 'inprogress', percent: 100 }, 'an inprogress download is below 100; use status "ready" for a finished one']
  ] as const) {
    const file = join(dir, `${name.replace(/ /g, '-')}.json`)
    writeFileSync(file, JSON.stringify({ format: DATA_FORMAT, clock: { nowMs: 0 }, videos: { [video]: { account: ACCOUNT, downloads: { audio: download }, onCreate: {} } } }))
    const error = await DownloadStore.open({ fixtures: [], defaults: { model: 'time', speed: 10, step: 25 }, dataFile: file, log: { info: () => {}, error: () => {} }, lock: { heartbeatMs: 0 } }).catch((e: unknown) => e as Error)
    t.type(error, FixtureError, name)
    t.equal((error as Error).message, `${file}: $.videos.${video}.downloads.audio.percent: ${problem}`)
    t.same(readdirSync(dir).filter((entry) => entry.endsWith('.lock')), [], 'the lock is released')
  }
})

t.test('a failed final write makes close throw, naming the file and the code', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  let full = false
  const { fs } = faulty({ write: (length) => full ? 0 : length })
  const errors: string[] = []
  const store = await DownloadStore.open({ fixtures: [], defaults: { model: 'time', speed: 10, step: 25 }, dataFile: file, fileSystem: fs, log: { info: () => {}, error: (_obj, msg) => errors.push(msg ?? '') }, lock: { heartbeatMs: 0 } })
  full = true
  const error = await store.close().catch((e: unknown) => e as DataFileError)
  t.type(error, DataFileError)
  t.equal(error?.message, `${file}: cannot write the final state; changes since the last write are lost (ESHORTWRITE)`)
  t.same(errors, ['cannot write the data file; serving from memory'], 'logged too')
  await store.close()
  t.strictSame(JSON.parse(readFileSync(file, 'utf8')), JSON.parse(readFileSync(file, 'utf8')), 'the file still parses')
  t.same(readdirSync(join(file, '..')).sort(), ['data.json', 'data.json.1.log'], 'no temp file, and the lock released')
  t.equal(readFileSync(`${file}.1.log`, 'utf8').split('\n').length, 2, 'the log cut back to its one whole line')
})

t.test('read errors of the data file, a failing close of the temp file, errors without a code', async (t) => {
  const dir = t.testdir({ 'data.json': JSON.stringify(data(1)) })
  const file = join(dir, 'data.json')
  const noOpen: FileSystem = { ...nodeFileSystem, open: async () => { throw coded('EACCES') } }
  t.equal((await readDataFile(file, noOpen).catch((e: unknown) => e as Error) as Error).message, `${file}: cannot be read (EACCES); fix or remove it to start from the fixtures`)
  const noRead: FileSystem = {
    ...nodeFileSystem,
    open: async (path, flags) => {
      const handle = await nodeFileSystem.open(path, flags)
      return { write: handle.write.bind(handle), sync: handle.sync.bind(handle), stat: handle.stat.bind(handle), truncate: handle.truncate.bind(handle), readFile: async () => { throw coded('EIO') }, close: handle.close.bind(handle) }
    }
  }
  t.equal((await readDataFile(file, noRead).catch((e: unknown) => e as Error) as Error).message, `${file}: cannot be read (EIO); fix or remove it to start from the fixtures`)
  const badClose: FileSystem = {
    ...nodeFileSystem,
    open: async (path, flags) => {
      const handle = await nodeFileSystem.open(path, flags)
      return { write: handle.write.bind(handle), sync: handle.sync.bind(handle), stat: handle.stat.bind(handle), truncate: handle.truncate.bind(handle), readFile: handle.readFile.bind(handle), close: async () => { await handle.close(); if (flags === 'w') throw coded('EDQUOT') } }
    }
  }
  t.equal((await new DataFile(file, { fileSystem: badClose }).write(snap(data(2))).catch((e: unknown) => e as NodeJS.ErrnoException))?.code, 'EDQUOT')
  t.strictSame(JSON.parse(readFileSync(file, 'utf8')), data(1), 'the old file stays')
  t.same(readdirSync(dir), ['data.json'])
  const plain = new Error('no code')
  t.equal(await syncDirectory(faulty({ openDir: plain }).fs, dir).catch((e: unknown) => e), plain)
  t.equal(await syncDirectory(faulty({ sync: () => plain }).fs, dir).catch((e: unknown) => e), plain)
})

t.test('a final write failing without an fs code names the error instead', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  let broken = false
  const fs: FileSystem = { ...nodeFileSystem, stat: async (path) => { if (broken && path.endsWith('.log')) throw new TypeError('no code'); return await nodeFileSystem.stat(path) } }
  const store = await DownloadStore.open({ fixtures: [], defaults: { model: 'time', speed: 10, step: 25 }, dataFile: file, fileSystem: fs, log: { info: () => {}, error: () => {} }, lock: { heartbeatMs: 0 } })
  broken = true
  t.equal((await store.close().catch((e: unknown) => e as Error))?.message, `${file}: cannot write the final state; changes since the last write are lost (TypeError)`)
})
