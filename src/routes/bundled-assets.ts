/**
 * The files the mock serves as every video's media and thumbnail, read (and the media hashed)
 * once a process for each assets folder: they are the package's own assets, which do not change
 * while it runs, and every build of an app (a `startMock` per test file) would read them again.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DOWNLOAD_TYPES, MEDIA_FILE_NAMES } from '../domain/ids.js'

/** A download type's file, with what its answers need. */
export interface MediaFile { bytes: Buffer, etag: string, contentType: string, extension: string }

/** An assets folder's files. */
export interface BundledAssets {
  /** By download type (`default`, `audio`). */
  media: ReadonlyMap<string, MediaFile>
  thumbnail: Buffer
}

const CONTENT_TYPES = { default: 'video/mp4', audio: 'audio/mp4' } as const

const byFolder = new Map<string, Promise<BundledAssets>>()

async function readAssets (assetsDir: string): Promise<BundledAssets> {
  const media = new Map<string, MediaFile>()
  for (const type of DOWNLOAD_TYPES) {
    const name = MEDIA_FILE_NAMES[type]
    const bytes = await readFile(join(assetsDir, name))
    const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`
    media.set(type, { bytes, etag, contentType: CONTENT_TYPES[type], extension: name.slice(name.lastIndexOf('.')) })
  }
  return { media, thumbnail: await readFile(join(assetsDir, 'thumbnail.jpg')) }
}

/** The assets of a folder, read on first use; a failed read is not kept, so the next build tries again. */
export async function bundledAssets (assetsDir: string): Promise<BundledAssets> {
  let assets = byFolder.get(assetsDir)
  if (assets === undefined) {
    assets = readAssets(assetsDir)
    byFolder.set(assetsDir, assets)
    assets.catch(() => byFolder.delete(assetsDir))
  }
  return await assets
}
