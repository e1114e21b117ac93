import { readdirSync, statSync, type BigIntStats } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { DOWNLOAD_TYPES } from '../domain/ids.js'
import { statusPercentProblem } from '../domain/rules.js'
import { newDownload, type DownloadRecord, type Progression } from '../domain/progress.js'
import { newVideoLife, type VideoLife, type VideoProgression, type VideoState } from '../domain/video-progress.js'
import {
  FixtureSchema, type AccountSettings, type DownloadFixture, type FixtureDocument, type ProgressionSettings, type VideoFixture, type VideoProgressionSettings
} from '../schemas/fixture.js'
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

/** Checks that each download of a (schema-valid) video has a consistent status and percent, and the video's own state. */
export function checkVideoStates (video: VideoFixture, source: string, path = '$'): void {
  const state = video.state ?? 'ready'
  if (video.pctComplete !== undefined && state !== 'inprogress') {
    throw new FixtureError(source, `${path}.pctComplete`, `only an inprogress video has a pctComplete (the video is ${state})`)
  }
  if (state !== 'ready' && DOWNLOAD_TYPES.some((type) => video.downloads?.[type] !== undefined)) {
    throw new FixtureError(source, `${path}.downloads`, `a video in state ${state} has no downloads: Cloudflare makes downloads only of a ready video`)
  }
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

/** Fixture files up to this size are kept parsed, for the life of the process (see `parsedFiles`). */
export const PARSED_FILE_CACHE_MAX_BYTES = 256 * 1024

/** The most file bytes kept parsed at once; past it the file kept longest is dropped first. */
export const PARSED_FILES_MAX_BYTES = 4 * 1024 * 1024

/** What identifies one version of a file: a rewrite changes its change time, whatever else it keeps. */
interface FileVersion { size: bigint, mtimeNs: bigint, ctimeNs: bigint }

/**
 * Fixture files read and validated once a process while they stay the same (path, size, and
 * modification and change times to the nanosecond): users start a mock per test file and reset
 * between tests, and each build and each reset read the same bundled file again (about a tenth of
 * a warm `startMock`). Only small files are kept (`PARSED_FILE_CACHE_MAX_BYTES`), 4 MiB of them at
 * most (`PARSED_FILES_MAX_BYTES`, the oldest dropped first): a large fixture is read again, as
 * before, rather than held for the life of the process. The documents are
 * frozen, since every app of the process shares them (the store copies what it keeps).
 */
const parsedFiles = new Map<string, FileVersion & { document: FixtureDocument }>()
/** The sizes of the files `parsedFiles` holds, summed. */
let parsedBytes = 0n

/** Keeps a parsed file, or forgets the one kept under its path; the oldest go past the bound. */
function keepParsed (key: string, entry: (FileVersion & { document: FixtureDocument }) | undefined): void {
  const kept = parsedFiles.get(key)
  if (kept !== undefined) {
    parsedFiles.delete(key)
    parsedBytes -= kept.size
  }
  if (entry === undefined) return
  for (const [oldest, file] of parsedFiles) {
    if (parsedBytes + entry.size <= BigInt(PARSED_FILES_MAX_BYTES)) break
    parsedFiles.delete(oldest)
    parsedBytes -= file.size
  }
  parsedFiles.set(key, entry)
  parsedBytes += entry.size
}

/** Freezes a parsed JSON document, all the way down. */
function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

/** One fixture file, parsed and validated, from `parsedFiles` while it is the same file. */
async function readFixtureFile (file: string, source: string, known?: BigIntStats): Promise<FixtureDocument> {
  // By absolute path: a relative one names another file once the working directory changes.
  const key = resolve(file)
  let version: FileVersion
  let text: string
  try {
    const info = known ?? statSync(file, { bigint: true })
    version = { size: info.size, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs }
    const parsed = parsedFiles.get(key)
    if (parsed !== undefined && parsed.size === version.size && parsed.mtimeNs === version.mtimeNs && parsed.ctimeNs === version.ctimeNs) return parsed.document
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new FixtureError(source, '$', `cannot read file: ${(error as NodeJS.ErrnoException).code}`)
  }
  const document = parseFixture(text, source)
  keepParsed(key, version.size <= PARSED_FILE_CACHE_MAX_BYTES ? { ...version, document: deepFreeze(document) } : undefined)
  return document
}

/**
 * Reads the fixtures at `path`: one JSON file, or every `*.json` file of a folder (in name
 * order). Throws a FixtureError for the first bad file.
 */
export async function readFixtures (path: string): Promise<NamedFixture[]> {
  let files: string[]
  let info: BigIntStats
  try {
    // Sync: three metadata calls of microseconds each, where the promise API's threadpool round
    // trips (one per call) took a sixth of a warm build's wall time (it reads the bundled fixtures).
    info = statSync(path, { bigint: true })
    files = info.isDirectory()
      ? readdirSync(path).filter((name) => name.endsWith('.json')).sort().map((name) => join(path, name))
      : [path]
  } catch (error) {
    // fs errors always carry a code (ENOENT, EACCES...), which says more than the message.
    throw new FixturePathError(displayName(path), `cannot read fixtures: ${(error as NodeJS.ErrnoException).code}`)
  }
  if (files.length === 0) throw new FixturePathError(displayName(path), 'the folder holds no .json fixture file')
  const fixtures: NamedFixture[] = []
  for (const file of files) {
    const source = displayName(file)
    // A file given alone was stat'ed above.
    fixtures.push({ source, document: await readFixtureFile(file, source, file === path ? info : undefined) })
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

/** The defaults of a video's timed phases (model time): mock ms in downloading and in queued. */
export const VIDEO_PHASE_DEFAULTS = { downloadingMs: 2000, queuedMs: 1000 } as const

/** A video progression with every field filled from the settings, then the downloads' defaults (model, speed, step). */
export function resolveVideoProgression (settings: VideoProgressionSettings | undefined, defaults: Progression): VideoProgression {
  const merged: VideoProgression = {
    model: settings?.model ?? defaults.model,
    downloadingMs: settings?.downloadingMs ?? VIDEO_PHASE_DEFAULTS.downloadingMs,
    queuedMs: settings?.queuedMs ?? VIDEO_PHASE_DEFAULTS.queuedMs,
    speed: settings?.speed ?? defaults.speed,
    step: settings?.step ?? defaults.step
  }
  if (settings?.failAt !== undefined) merged.failAt = settings.failAt
  if (settings?.holdAt !== undefined) merged.holdAt = settings.holdAt
  if (settings?.errorReasonCode !== undefined) merged.errorReasonCode = settings.errorReasonCode
  return merged
}

/**
 * The stored lifecycle of a fixture video at mock time `nowMs`, or undefined for one that says
 * nothing of it (ready since mock 0: every fixture written before videos had states).
 */
export function lifeFromFixture (video: Pick<VideoFixture, 'state' | 'pctComplete' | 'progression'>, defaults: Progression, nowMs: number): VideoLife | undefined {
  if (video.state === undefined && video.progression === undefined) return undefined
  const state: VideoState = video.state ?? 'ready'
  const life = newVideoLife(resolveVideoProgression(video.progression, defaults), state, nowMs)
  if (video.pctComplete !== undefined) life.pct = video.pctComplete
  if (state === 'error') life.errorReasonCode ??= 'ERR_UNKNOWN'
  return life
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
      const life = lifeFromFixture(video, defaults, nowOf(video.account))
      if (life !== undefined) record.life = life
      if (video.requireSignedURLs !== undefined) record.requireSignedURLs = video.requireSignedURLs
      if (video.meta !== undefined || video.creator !== undefined || video.duration !== undefined) {
        record.details = {}
        if (video.meta !== undefined) record.details.meta = video.meta
        if (video.creator !== undefined) record.details.creator = video.creator
        if (video.duration !== undefined) record.details.duration = video.duration
      }
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

/** An account's stored settings from its fixture entry (or admin body): a copy, without its id. */
export function accountFromFixture (account: AccountSettings): AccountSettings {
  const stored: AccountSettings = {}
  if (account.description !== undefined) stored.description = account.description
  if (account.progression !== undefined) stored.progression = { ...account.progression }
  return stored
}

/**
 * The accounts fixture documents declare, with their settings, keyed by id. An account id may be
 * declared once across all documents; more than `maxAccounts` is refused (a FixtureError).
 */
export function accountsFromFixtures (fixtures: NamedFixture[], maxAccounts: number): Map<string, AccountSettings> {
  const accounts = new Map<string, AccountSettings>()
  const seenIn = new Map<string, string>()
  for (const { source, document } of fixtures) {
    document.accounts?.forEach((account, index) => {
      const earlier = seenIn.get(account.id)
      if (earlier !== undefined) {
        throw new FixtureError(source, `$.accounts[${index}].id`, `duplicate account id ${account.id} (already declared in ${earlier})`)
      }
      if (accounts.size >= maxAccounts) {
        throw new FixtureError(source, `$.accounts[${index}]`, `more than ${maxAccounts} accounts declared; the store holds at most ${maxAccounts}`)
      }
      seenIn.set(account.id, `${source} $.accounts[${index}]`)
      const { id, ...settings } = account
      accounts.set(id, accountFromFixture(settings))
    })
  }
  return accounts
}
