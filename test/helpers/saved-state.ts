import { readFileSync, readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { finishReplay, replayLog, startReplay } from '../../src/store/change-log.js'
import { checkStoredData } from '../../src/store/stored-data.js'
import type { StoreData, VideoRecord } from '../../src/schemas/store.js'

/**
 * What a data file holds as a restart would read it: the snapshot brought up to date by its
 * change logs (clocks at their readings when the last line was written). Reads the files as
 * they are, without the lock.
 */
export function savedState (file: string): StoreData {
  const snapshot = checkStoredData(JSON.parse(readFileSync(file, 'utf8')), file, 0)
  const { videos, ...head } = snapshot
  const sink = { put: (id: string, video: VideoRecord) => { videos[id] = video }, delete: (id: string) => delete videos[id] }
  const replay = startReplay(head, sink)
  const prefix = `${basename(file)}.`
  const logs = readdirSync(dirname(file))
    .filter((name) => name.startsWith(prefix) && name.endsWith('.log'))
    .map((name) => Number(name.slice(prefix.length, -4)))
    .filter((n) => Number.isInteger(n) && n >= (head.log ?? 0))
    .sort((a, b) => a - b)
  for (const n of logs) replayLog(replay, readFileSync(join(dirname(file), `${prefix}${n}.log`), 'utf8'), `${prefix}${n}.log`)
  return { ...finishReplay(replay), videos }
}
