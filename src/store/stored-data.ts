/**
 * What a data file must be to be opened: the schema of StoreData and the rules a fixture keeps
 * (`statusPercentProblem`), for the snapshot and for each video a change log brings. A file of an
 * older format is migrated here. Errors are FixtureErrors naming the file and the JSON path.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { DOWNLOAD_TYPES, ID_PATTERN } from '../domain/ids.js'
import { statusPercentProblem } from '../domain/rules.js'
import { FixtureError, pointerToJsonPath } from '../seed/fixture-error.js'
import { assertMatches } from '../seed/validate.js'
import { DATA_FORMAT, StoreDataHeadSchema, StoreDataSchema, VideoRecordSchema, type StoreData, type VideoRecord } from '../schemas/store.js'

/**
 * Compiled checks: at 100,000 videos, TypeBox's interpreted `Value.Errors` takes several times
 * as long as a JSON.parse of the file, the compiled check a fraction of it. The detailed (slow)
 * check runs only to describe a file the compiled one refused. The head and each video are
 * checked apart: the whole schema's check lists the videos with `Object.entries` (100,000 pairs
 * made and collected) on top of the listing that fills the table; checked as they are listed, a
 * store of 100,000 videos opens in about 40 % less time (see the bench's store part).
 */
const headCheck = TypeCompiler.Compile(StoreDataHeadSchema)
const videoCheck = TypeCompiler.Compile(VideoRecordSchema)
const VIDEO_ID = new RegExp(ID_PATTERN)

/** Throws the FixtureError describing why `value` fails the schema (a compiled check said it does). */
function refuse (value: unknown, file: string): never {
  assertMatches(StoreDataSchema, value, file)
  /* c8 ignore next -- the compiled and the interpreted check agree; this is in case they ever do not */
  throw new FixtureError(file, '$', 'does not match the data file\'s schema')
}

/**
 * Checks one video's downloads against the rules; `pointer` is the video's JSON pointer (`/videos/`
 * and `id`, joined only for a message: a store opens 100,000 videos that need none).
 */
function assertVideoStates (video: VideoRecord, file: string, pointer: string, id = ''): void {
  const state = video.life?.state ?? 'ready'
  for (const type of DOWNLOAD_TYPES) {
    const record = video.downloads[type]
    if (record !== undefined && state !== 'ready') throw new FixtureError(file, pointerToJsonPath(`${pointer}${id}/downloads/${type}`), `a video in state ${state} has no downloads`)
    const problem = record === undefined ? undefined : statusPercentProblem(record.status, record.percent)
    if (problem !== undefined) throw new FixtureError(file, pointerToJsonPath(`${pointer}${id}/downloads/${type}/percent`), problem)
  }
}

/** Snapshot data whose head is checked and current; its videos are checked as `forEachCheckedVideo` hands them on. */
export type HeadChecked = Omit<StoreData, 'videos'> & { videos: Record<string, unknown> }

/**
 * Checks parsed snapshot data but for its videos, and brings it to the current format: a data@1
 * file gets the epoch `nowMs` (its first load under this version) and no change log; a data@2
 * file (and a data@1 one) has no video lifecycles (every video is ready since mock 0), signing
 * keys, subscriptions, declared accounts or signed-URL videos, which is what data@3 reads where
 * `life`, `signing`, `accounts` and `requireSignedURLs` are absent. Returns the same object.
 */
export function checkStoredHead (value: unknown, file: string, nowMs: number): HeadChecked {
  // Prototype keys never pass: every object of the schema is closed, and records take only
  // video and account ids as keys (the videos' ids are checked as they are listed).
  if (!headCheck.Check(value)) refuse(value, file)
  const data = value as HeadChecked
  data.format = DATA_FORMAT
  data.epochMs ??= nowMs
  data.log ??= 0
  data.elapsedMs ??= 0
  return data
}

/** The video `id` of head-checked data, checked (schema and rules); throws the FixtureError naming the file and its JSON path. */
function checkedVideo (data: HeadChecked, file: string, id: string): VideoRecord {
  const video = data.videos[id]
  if (!VIDEO_ID.test(id) || !videoCheck.Check(video)) refuse(data, file)
  assertVideoStates(video, file, '/videos/', id)
  return video
}

/**
 * Hands each video of head-checked data to `take` with its id, checked as it comes: how the store
 * opens, with no pair and no generator step per video (100,000 of each at the bound; see the
 * bench's store part). Not Object.entries: on an object of 100,000 keys it takes about twice as
 * long as listing the keys and looking each up. Throws the FixtureError of the first video that
 * fails.
 */
export function forEachCheckedVideo (data: HeadChecked, file: string, take: (id: string, video: VideoRecord) => void): void {
  for (const id of Object.keys(data.videos)) take(id, checkedVideo(data, file, id))
}

/** Checks the whole of parsed snapshot data (head, then every video) and returns it, current. */
export function checkStoredData (value: unknown, file: string, nowMs: number): StoreData {
  const data = checkStoredHead(value, file, nowMs)
  forEachCheckedVideo(data, file, () => {})
  return data as StoreData
}

/**
 * Checks the rules of a video record a change log brings (its line's schema, which includes the
 * record's, was checked already); `source` names the log file and line.
 */
export function checkStoredVideo (video: VideoRecord, source: string): VideoRecord {
  assertVideoStates(video, source, '')
  return video
}
