/**
 * The few file-system calls the data file and its lock make, behind an interface, so that tests
 * can make them fail as a full disk or a failing one would (ENOSPC, EIO, short writes) without
 * root or a real full disk. The default is node:fs/promises itself.
 */
import * as fs from 'node:fs/promises'

/** What the data file needs of a stat: the kind of file, and when it last changed. */
export interface FileStats {
  isFile: () => boolean
  isDirectory: () => boolean
  isFIFO: () => boolean
  isSocket: () => boolean
  isCharacterDevice: () => boolean
  isBlockDevice: () => boolean
  mtimeMs: number
}

/** An open file (node's FileHandle has all of this). */
export interface FileHandleLike {
  /** May write fewer bytes than asked (a full disk): the caller loops. */
  write: (buffer: Uint8Array, offset: number, length: number, position: number | null) => Promise<{ bytesWritten: number }>
  /** fsync(2): the file's data and metadata on the disk. */
  sync: () => Promise<void>
  /** ftruncate(2): cuts the file to `length` bytes (a failed append's partial line). */
  truncate: (length: number) => Promise<void>
  stat: () => Promise<FileStats>
  readFile: (encoding: 'utf8') => Promise<string>
  close: () => Promise<void>
}

/** The file-system calls of the data file and its lock. */
export interface FileSystem {
  open: (path: string, flags: string | number) => Promise<FileHandleLike>
  readFile: (path: string, encoding: 'utf8') => Promise<string>
  stat: (path: string) => Promise<FileStats>
  rename: (from: string, to: string) => Promise<void>
  unlink: (path: string) => Promise<void>
  readdir: (path: string) => Promise<string[]>
}

/** node:fs/promises, as a FileSystem. */
export const nodeFileSystem: FileSystem = {
  open: async (path, flags) => await fs.open(path, flags),
  readFile: async (path, encoding) => await fs.readFile(path, encoding),
  stat: async (path) => await fs.stat(path),
  rename: async (from, to) => { await fs.rename(from, to) },
  unlink: async (path) => { await fs.unlink(path) },
  readdir: async (path) => await fs.readdir(path)
}

/** The code of a file-system error (ENOENT, EISDIR...): every fs error has one. */
export function errorCode (error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}

/** An error with a code, as fs errors have, for failures the file system does not report itself. */
export function codedError (code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code })
}

/**
 * Writes all of `text` at the handle's position. A write(2) may write only part of what it is
 * given (a disk filling up writes what fits, and only the next write fails with ENOSPC): the rest
 * is written again until all of it is; a write that writes nothing at all is an error, never a
 * loop without end.
 */
export async function writeAll (handle: FileHandleLike, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8')
  let offset = 0
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, null)
    if (!(bytesWritten > 0)) throw codedError('ESHORTWRITE', `wrote ${offset} of ${bytes.length} bytes, then nothing more`)
    offset += bytesWritten
  }
}

/**
 * Errors of fsync on a folder that mean the platform does not allow it (Windows cannot open a
 * folder; some file systems refuse fsync on one): the rename stands, as durable as it can be.
 */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EBADF'])

/**
 * fsync(2) of a folder, so that a rename in it survives a crash of the machine. Where the
 * platform does not allow it, nothing; any other error (EIO) is thrown.
 */
export async function syncDirectory (fileSystem: FileSystem, directory: string): Promise<void> {
  let handle: FileHandleLike
  try {
    handle = await fileSystem.open(directory, 'r')
  } catch (error) {
    if (DIRECTORY_SYNC_UNSUPPORTED.has(errorCode(error) ?? '')) return
    throw error
  }
  try {
    await handle.sync()
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has(errorCode(error) ?? '')) throw error
  } finally {
    await handle.close()
  }
}

/** What a file that is not a regular one is, in words ("a FIFO (named pipe)"), or undefined for a regular file. */
export function irregularKind (stats: FileStats): string | undefined {
  if (stats.isFile()) return undefined
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a FIFO (named pipe)'
  if (stats.isSocket()) return 'a socket'
  if (stats.isCharacterDevice()) return 'a character device'
  if (stats.isBlockDevice()) return 'a block device'
  return 'not a regular file'
}
