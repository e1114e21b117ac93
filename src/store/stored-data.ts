/**
 * What a data file must be to be opened: the schema of StoreData and the rules a fixture keeps
 * (`statusPercentProblem`), for the snapshot and for each video a change log brings. A file of an
 * older format is migrated here. Errors are FixtureErrors naming the file and the JSON path.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { DOWNLOAD_TYPES } from '../domain/ids.js'
import { statusPercentProblem } from '../domain/rules.js'
import { FixtureError, pointerToJsonPath } from '../seed/fixture-error.js'
import { assertMatches } from '../seed/validate.js'
import { DATA_FORMAT, StoreDataSchema, type StoreData, type VideoRecord } from '../schemas/store.js'

/**
 * A compiled check: at 100,000 videos, TypeBox's interpreted `Value.Errors` takes several times
 * as long as a JSON.parse of the file, the compiled check a fraction of it. The detailed (slow)
 * check runs only to describe a file the compiled one refused.
 */
const storeDataCheck = TypeCompiler.Compile(StoreDataSchema)

/** Throws the FixtureError describing why `value` fails `schema` (the compiled check said it does). */
function refuse (schema: typeof StoreDataSchema, value: unknown, file: string): never {
  assertMatches(schema, value, file)
  /* c8 ignore next -- the compiled and the interpreted check agree; this is in case they ever do not */
  throw new FixtureError(file, '$', 'does not match the data file\'s schema')
}

/** Checks one video's downloads against the rules; `pointer` is the video's JSON pointer. */
function assertVideoStates (video: VideoRecord, file: string, pointer: string): void {
  const state = video.life?.state ?? 'ready'
  for (const type of DOWNLOAD_TYPES) {
    const record = video.downloads[type]
    if (record !== undefined && state !== 'ready') throw new FixtureError(file, pointerToJsonPath(`${pointer}/downloads/${type}`), `a video in state ${state} has no downloads`)
    const problem = record === undefined ? undefined : statusPercentProblem(record.status, record.percent)
    if (problem !== undefined) throw new FixtureError(file, pointerToJsonPath(`${pointer}/downloads/${type}/percent`), problem)
  }
}

/**
 * Checks parsed snapshot data and brings it to the current format: a data@1 file gets the epoch
 * `nowMs` (its first load under this version) and no change log; a data@2 file's videos have no
 * lifecycle, which data@3 reads as ready since mock 0, so it needs nothing more. Returns the same
 * object.
 */
export function checkStoredData (value: unknown, file: string, nowMs: number): StoreData {
  // Prototype keys never pass the compiled check: every object of the schema is closed, and
  // records take only video and account ids as keys.
  if (!storeDataCheck.Check(value)) refuse(StoreDataSchema, value, file)
  const data = value as StoreData
  for (const videoId of Object.keys(data.videos)) assertVideoStates(data.videos[videoId] as VideoRecord, file, `/videos/${videoId}`)
  data.format = DATA_FORMAT
  data.epochMs ??= nowMs
  data.log ??= 0
  data.elapsedMs ??= 0
  return data
}

/**
 * Checks the rules of a video record a change log brings (its line's schema, which includes the
 * record's, was checked already); `source` names the log file and line.
 */
export function checkStoredVideo (video: VideoRecord, source: string): VideoRecord {
  assertVideoStates(video, source, '')
  return video
}
