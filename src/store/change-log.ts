/**
 * The data file's change log: one JSON line per change since the snapshot it follows, appended
 * and synced within the flush delay, so that a change is on the disk within the durability
 * window whatever the store's size (a rewrite of 100,000 videos cannot be). Pure: the lines, and
 * how a log brings a snapshot up to date; persistence.ts does the files.
 *
 * Lines carry book time `f` (ClockBook.elapsedMs of the process that wrote them), not clock
 * readings: a clock's line anchors it, and a later line of any kind says the process was alive
 * then, so a running clock's reading at the end is its anchor plus rate × the book time since.
 * Mock time alone then costs one short line a second (`{"f":…}`), not a rewrite of every clock or
 * video. A process starts its own log with an `open` line: book time starts again at 0, and the
 * time the server was down does not count.
 */
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { GLOBAL_CLOCK, fullClock, readingAfter, type ClockState } from '../domain/clock-book.js'
import { ID_PATTERN } from '../domain/ids.js'
import { FixtureError } from '../seed/fixture-error.js'
import { assertMatches } from '../seed/validate.js'
import { ProgressionSettingsSchema, type ProgressionSettings } from '../schemas/fixture.js'
import { StoredSigningKeySchema, StoredWebhookSchema, TokenKeySchema, type StoredSigningKey, type StoredWebhook, type TokenKey } from '../schemas/signing.js'
import { StoredAccountSchema, StoredClockSchema, VideoRecordSchema, type StoredAccount, type StoreHead, type VideoRecord } from '../schemas/store.js'
import { checkStoredVideo } from './stored-data.js'

/** One line of a change log. */
export const LogLineSchema = Type.Object({
  /** Book time of the writing process when the line was written. */
  f: Type.Number({ minimum: 0 }),
  /** First line of a process's log: its wall time (for people reading the file). */
  open: Type.Optional(Type.Number()),
  /** A video put (`record`) or deleted (`record: null`). */
  video: Type.Optional(Type.String({ pattern: ID_PATTERN })),
  record: Type.Optional(Type.Union([VideoRecordSchema, Type.Null()])),
  /** A clock anchored (`state`) or given back (`state: null`): `global` or an account id. */
  clock: Type.Optional(Type.Union([Type.Literal(GLOBAL_CLOCK), Type.String({ pattern: ID_PATTERN })])),
  state: Type.Optional(Type.Union([StoredClockSchema, Type.Null()])),
  /** The global defaults set (`null`: cleared). */
  defaults: Type.Optional(Type.Union([ProgressionSettingsSchema, Type.Null()])),
  /** A signing key added (`record`) or deleted (`record: null`), data@3. */
  signingKey: Type.Optional(Type.Object({
    account: Type.String({ pattern: ID_PATTERN }),
    id: Type.String({ pattern: ID_PATTERN }),
    record: Type.Union([StoredSigningKeySchema, Type.Null()])
  }, { additionalProperties: false })),
  /** An account's webhook subscription set or deleted (`record: null`), data@3. */
  webhook: Type.Optional(Type.Object({
    account: Type.String({ pattern: ID_PATTERN }),
    record: Type.Union([StoredWebhookSchema, Type.Null()])
  }, { additionalProperties: false })),
  /** The mock's own token key, made, data@3. */
  tokenKey: Type.Optional(TokenKeySchema),
  /** An account declared or its settings changed (`record`), or its declaration removed (`record: null`), data@3. */
  account: Type.Optional(Type.Object({
    id: Type.String({ pattern: ID_PATTERN }),
    record: Type.Union([StoredAccountSchema, Type.Null()])
  }, { additionalProperties: false }))
}, { additionalProperties: false })
export type LogLine = Static<typeof LogLineSchema>

const lineCheck = TypeCompiler.Compile(LogLineSchema)

/** The line of a video put or deleted. */
export function videoLine (f: number, videoId: string, record: VideoRecord | undefined): string {
  return `{"f":${f},"video":"${videoId}","record":${record === undefined ? 'null' : JSON.stringify(record)}}\n`
}

/** The line of a clock anchored (its reading now) or given back. */
export function clockLine (f: number, key: string, state: ClockState | undefined): string {
  return `{"f":${f},"clock":"${key}","state":${state === undefined ? 'null' : JSON.stringify(state)}}\n`
}

/** The line of the global defaults set or cleared. */
export function defaultsLine (f: number, defaults: ProgressionSettings | undefined): string {
  return `{"f":${f},"defaults":${defaults === undefined ? 'null' : JSON.stringify(defaults)}}\n`
}

/** The line of a signing key added or deleted. */
export function signingKeyLine (f: number, account: string, id: string, record: StoredSigningKey | undefined): string {
  return `{"f":${f},"signingKey":${JSON.stringify({ account, id, record: record ?? null })}}\n`
}

/** The line of an account's webhook subscription set or deleted. */
export function webhookLine (f: number, account: string, record: StoredWebhook | undefined): string {
  return `{"f":${f},"webhook":${JSON.stringify({ account, record: record ?? null })}}\n`
}

/** The line of the mock's token key. */
export function tokenKeyLine (f: number, key: TokenKey): string {
  return `{"f":${f},"tokenKey":${JSON.stringify(key)}}\n`
}

/** The line of an account declared (its settings) or no longer declared. */
export function accountLine (f: number, id: string, record: StoredAccount | undefined): string {
  return `{"f":${f},"account":${JSON.stringify({ id, record: record ?? null })}}\n`
}

/** The line that says the process was alive at book time `f`. */
export function aliveLine (f: number): string {
  return `{"f":${f}}\n`
}

/** The first line of a process's log. */
export function openLine (wallMs: number): string {
  return `{"f":0,"open":${wallMs}}\n`
}

/** Where a log's video lines go (the store's table). */
export interface VideoSink {
  put: (videoId: string, video: VideoRecord) => void
  delete: (videoId: string) => unknown
}

/** Where a replay stands: the book time each clock was anchored at, and the last seen. */
export interface Replay {
  /** The snapshot's head: its clocks and defaults are brought up to date in place. */
  head: StoreHead
  videos: VideoSink
  /** Book time of the clocks without an anchor of their own in `anchors`. */
  base: number
  anchors: Map<string, number>
  lastF: number
  /** Lines applied, in all logs. */
  lines: number
}

/** Starts bringing a (checked) snapshot up to date. */
export function startReplay (head: StoreHead, videos: VideoSink): Replay {
  const f = head.elapsedMs ?? 0
  return { head, videos, base: f, anchors: new Map(), lastF: f, lines: 0 }
}

/** Every clock of a head, with its key. */
function clocksOf (head: StoreHead): Array<[string, ClockState]> {
  return [[GLOBAL_CLOCK, head.clock as ClockState], ...Object.entries(head.accountClocks ?? {}) as Array<[string, ClockState]>]
}

/** Moves every running clock to its reading at the last book time seen. */
function settle (replay: Replay): void {
  for (const [key, clock] of clocksOf(replay.head)) {
    clock.nowMs = readingAfter(fullClock(clock), replay.lastF - (replay.anchors.get(key) ?? replay.base))
  }
}

/**
 * Applies one log's text. A last line cut short (a kill during an append) is ignored; a bad line
 * anywhere else is a FixtureError naming the log file and the line.
 */
export function replayLog (replay: Replay, text: string, file: string): void {
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] as string
    if (raw === '') continue
    const source = `${file}:${index + 1}`
    const last = index === lines.length - 1
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch (error) {
      if (last) return
      throw new FixtureError(source, '$', `invalid JSON: ${(error as Error).message}`)
    }
    if (!lineCheck.Check(parsed)) {
      if (last) return
      assertMatches(LogLineSchema, parsed, source)
    }
    apply(replay, parsed as LogLine, source)
  }
}

/** Applies one checked line. */
function apply (replay: Replay, line: LogLine, source: string): void {
  const head = replay.head
  replay.lines++
  if (line.open !== undefined) {
    // A new process: its book time starts at 0, and the time between the two does not count.
    settle(replay)
    replay.anchors.clear()
    replay.base = 0
    replay.lastF = 0
  }
  replay.lastF = Math.max(replay.lastF, line.f)
  if (line.video !== undefined && line.record !== undefined) {
    if (line.record === null) replay.videos.delete(line.video)
    else replay.videos.put(line.video, checkStoredVideo(line.record, source))
  }
  if (line.clock !== undefined && line.state !== undefined) {
    const state = line.state === null ? undefined : fullClock({ ...line.state })
    if (line.clock === GLOBAL_CLOCK) {
      if (state !== undefined) head.clock = state
    } else {
      head.accountClocks ??= {}
      if (state === undefined) delete head.accountClocks[line.clock]
      else head.accountClocks[line.clock] = state
    }
    replay.anchors.set(line.clock, line.f)
  }
  if (line.defaults !== undefined) {
    if (line.defaults === null) delete head.defaults
    else head.defaults = line.defaults
  }
  if (line.signingKey !== undefined || line.webhook !== undefined || line.tokenKey !== undefined) applySigning(head, line)
  if (line.account !== undefined) {
    const accounts = head.accounts ??= {}
    if (line.account.record === null) delete accounts[line.account.id]
    else accounts[line.account.id] = line.account.record
  }
}

/** Applies a line's signing parts (keys, subscription, token key) to the head. */
function applySigning (head: StoreHead, line: LogLine): void {
  const signing = head.signing ??= {}
  if (line.tokenKey !== undefined) signing.tokenKey = line.tokenKey
  const key = line.signingKey
  if (key !== undefined) {
    const keys = signing.keys ??= {}
    const ofAccount = keys[key.account] ??= {}
    if (key.record === null) delete ofAccount[key.id]
    else ofAccount[key.id] = key.record
  }
  const webhook = line.webhook
  if (webhook !== undefined) {
    const webhooks = signing.webhooks ??= {}
    if (webhook.record === null) delete webhooks[webhook.account]
    else webhooks[webhook.account] = webhook.record
  }
}

/** Ends a replay: every clock at its reading when the last line was written, book time 0. */
export function finishReplay (replay: Replay): StoreHead {
  settle(replay)
  replay.head.elapsedMs = 0
  return replay.head
}
