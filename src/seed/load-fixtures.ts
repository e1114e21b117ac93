import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { DOWNLOAD_TYPES } from '../domain/ids.js'
import { statusPercentProblem } from '../domain/rules.js'
import { newDownload, type DownloadRecord, type Progression } from '../domain/progress.js'
import { FixtureSchema, type DownloadFixture, type FixtureDocument, type ProgressionSettings, type VideoFixture } from '../schemas/fixture.js'
import type { VideoRecord } from '../schemas/store.js'
import { FixtureError, FixturePathError } from './fixture-error.js'
import { assertMatches } from './validate.js'

/** A fixture document and the name of the file (or source) it came from. */
export interface NamedFixture {
  source: string
  document: FixtureDocument
}

/** The name a person recognises: relative to the working directory when the file is below it. */
function displayName (file: string): string {
  const rel = relative(process.cwd(), file)
  return rel !== '' && !rel.startsWith('..') ? rel : file
}

/** Parses and validates the text of one fixture document; errors name `source`. */
export function parseFixture (text: string, source: string): FixtureDocument {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new FixtureError(source, '$', `invalid JSON: ${(error as Error).message}`)
  }
  return checkFixture(parsed, source)
}

/** Validates an already parsed fixture document; errors name `source`. */
export function checkFixture (parsed: unknown, source: string): FixtureDocument {
  assertMatches(FixtureSchema, parsed, source)
  const document = parsed as FixtureDocument
  document.videos.forEach((video, index) => { checkVideoStates(video, source, `$.videos[${index}]`) })
  return document
}

/** Checks that each download of a (schema-valid) video has a consistent status and percent. */
export function checkVideoStates (video: VideoFixture, source: string, path = '$'): void {
  for (const type of DOWNLOAD_TYPES) {
    const download = video.downloads?.[type]
    if (download !== undefined) checkDownloadState(download, source, `${path}.downloads.${type}`)
  }
}

/** Checks that a (schema-valid) download's status and percent agree. */
export function checkDownloadState (download: DownloadFixture, source: string, path: string): void {
  const problem = statusPercentProblem(download.status, download.percentComplete)
  if (problem !== undefined) throw new FixtureError(source, `${path}.percentComplete`, problem)
}

/**
 * Reads the fixtures at `path`: one JSON file, or every `*.json` file of a folder (in name
 * order). Throws a FixtureError for the first bad file.
 */
export async function readFixtures (path: string): Promise<NamedFixture[]> {
  let files: string[]
  try {
    const info = await stat(path)
    files = info.isDirectory()
      ? (await readdir(path)).filter((name) => name.endsWith('.json')).sort().map((name) => join(path, name))
      : [path]
  } catch (error) {
    // fs errors always carry a code (ENOENT, EACCES...), which says more than the message.
    throw new FixturePathError(displayName(path), `cannot read fixtures: ${(error as NodeJS.ErrnoException).code}`)
  }
  if (files.length === 0) throw new FixturePathError(displayName(path), 'the folder holds no .json fixture file')
  const fixtures: NamedFixture[] = []
  for (const file of files) {
    const source = displayName(file)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      throw new FixtureError(source, '$', `cannot read file: ${(error as NodeJS.ErrnoException).code}`)
    }
    fixtures.push({ source, document: parseFixture(text, source) })
  }
  return fixtures
}

/** A progression with every field filled from the settings, then the defaults. */
export function resolveProgression (settings: ProgressionSettings | undefined, defaults: Progression): Progression {
  const merged: Progression = {
    model: settings?.model ?? defaults.model,
    speed: settings?.speed ?? defaults.speed,
    step: settings?.step ?? defaults.step
  }
  const failAt = settings?.failAt ?? defaults.failAt
  const holdAt = settings?.holdAt ?? defaults.holdAt
  if (failAt !== undefined) merged.failAt = failAt
  if (holdAt !== undefined) merged.holdAt = holdAt
  return merged
}

/** The stored record of a fixture download, anchored at mock time `nowMs`. */
export function downloadFromFixture (fixture: DownloadFixture, defaults: Progression, nowMs: number): DownloadRecord {
  const progression = resolveProgression(fixture, defaults)
  const status = fixture.status ?? (fixture.percentComplete === 100 ? 'ready' : 'inprogress')
  if (status === 'inprogress' && fixture.model === 'immediate') return newDownload(progression, nowMs)
  const percent = fixture.percentComplete ?? (status === 'ready' ? 100 : 0)
  return { ...progression, status, percent, since: nowMs }
}

/**
 * Turns fixture documents into stored videos keyed by id. A video id may appear once across all
 * documents (Cloudflare's ids are unique across accounts).
 */
export function videosFromFixtures (fixtures: NamedFixture[], defaults: Progression, nowMs: number | ((account: string) => number)): Map<string, VideoRecord> {
  const nowOf = typeof nowMs === 'number' ? () => nowMs : nowMs
  const videos = new Map<string, VideoRecord>()
  const seenIn = new Map<string, string>()
  for (const { source, document } of fixtures) {
    document.videos.forEach((video, index) => {
      const earlier = seenIn.get(video.id)
      if (earlier !== undefined) {
        throw new FixtureError(source, `$.videos[${index}].id`, `duplicate video id ${video.id} (already defined in ${earlier})`)
      }
      seenIn.set(video.id, `${source} $.videos[${index}]`)
      const record: VideoRecord = { account: video.account, downloads: {}, onCreate: {} }
      if (video.requireSignedURLs === true) record.requireSignedURLs = true
      for (const type of DOWNLOAD_TYPES) {
        const download = video.downloads?.[type]
        if (download !== undefined) record.downloads[type] = downloadFromFixture(download, defaults, nowOf(video.account))
        const onCreate = video.onCreate?.[type]
        if (onCreate !== undefined) record.onCreate[type] = onCreate
      }
      videos.set(video.id, record)
    })
  }
  return videos
}
