/**
 * The server as a child process (src/server.ts, as `npm start` runs it), and the kill loop that
 * SIGKILLs it in the middle of heavy write traffic on a data file, then checks what survived.
 * Used by test/server.test.ts, test/kill-loop.test.ts and scripts/kill-loop.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, watch } from 'node:fs'
import { basename, dirname } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { SETTINGS } from '../../src/config.js'
import type { StoreData } from '../../src/schemas/store.js'
import { ACCOUNT, VIDEOS, downloadsPath } from './build.js'
import { savedState } from './saved-state.js'

/**
 * By default the server runs as a child process with the TypeScript loader its parent runs under
 * (`process.execArgv`: under tap, Node's type stripping with test/helpers/strip-types.mjs). tap
 * passes its coverage collection on to children through the environment, so their coverage of
 * src/server.ts counts. Not tsx: tap merges the coverage of every process that loaded a file, and
 * that only works when they all compiled it the same way (and tsx's output, whitespace removed,
 * maps back as 100 % whatever ran). A child started with `{ coverage: false }` runs under tsx
 * with tap's coverage collection turned off, so it reports nothing at all; without tap's own
 * loaders (execArgv), it listens a little sooner.
 */
export const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url))

/** Something that runs cleanup at the end (a tap test). */
export interface TeardownHost { teardown: (fn: () => unknown) => void }

/** The environment of a child: ours, without any of the mock's own settings. */
export function childEnv (extra: NodeJS.ProcessEnv, coverage = true): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const setting of Object.values(SETTINGS)) delete env[setting.env]
  // tap's processinfo puts itself in every child's NODE_OPTIONS, whatever its environment says,
  // and there collects coverage unless told not to.
  if (!coverage) env._TAPJS_PROCESSINFO_COVERAGE_ = '0'
  return { ...env, ...extra }
}

export interface RunOptions {
  /** false: run under tsx and report no coverage (see above). Default true. */
  coverage?: boolean
}

export interface Exit { code: number | null, signal: NodeJS.Signals | null }

export interface Run {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<Exit>
}

/** Starts src/server.ts with `args`; killed at teardown if still running. */
export function run (t: TeardownHost | undefined, args: string[], env: NodeJS.ProcessEnv = {}, options: RunOptions = {}): Run {
  const coverage = options.coverage ?? true
  const loader = coverage ? process.execArgv : ['--import', 'tsx']
  const child = spawn(process.execPath, [...loader, SERVER, ...args], { env: childEnv(env, coverage), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => { resolve({ code, signal }) })
  })
  t?.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/**
 * The pino log lines the child wrote on stdout so far. Only whole lines: a child killed with
 * SIGKILL may have left half of one.
 */
export function logLines (output: string): Array<Record<string, any>> {
  return output.slice(0, output.lastIndexOf('\n') + 1).split('\n')
    .filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, any>)
}

/**
 * Waits for the 'listening' log line and returns the url it names; fails if the child exits
 * first. No deadline of its own, however loaded the machine: tap's per-file timeout ends a wait
 * that never comes.
 */
export async function listening (server: Run): Promise<string> {
  for (;;) {
    const line = logLines(server.stdout()).find((entry) => entry.msg === 'stream-downloads-mock is listening')
    if (line !== undefined) return line.url as string
    if (server.child.exitCode !== null) break
    await sleep(25)
  }
  throw new Error(`the server did not start; stderr: ${server.stderr()}`)
}

// ---- the kill loop ------------------------------------------------------------------------------

/** The documented window: changes acknowledged longer ago than this survive a `kill -9`. */
export const DURABILITY_WINDOW_MS = 1000
/** The store's default flush delay (the server has no setting for it). */
export const FLUSH_DELAY_MS = 200

const AUTH = { authorization: 'Bearer kill-loop' }
/** Fixture downloads created and deleted in turn (one sequential worker each). */
const FLAPPING: Array<[string, 'default' | 'audio']> = [
  [VIDEOS.empty, 'default'], [VIDEOS.empty, 'audio'],
  [VIDEOS.failsOnCreate, 'default'], [VIDEOS.failsOnCreate, 'audio'],
  [VIDEOS.inProgress, 'default'], [VIDEOS.ready, 'audio']
]

/**
 * A new video goes through these stages, each one request and each state distinct, so the state
 * found after a restart tells how far its changes got: 0 none, 1 created with no downloads
 * (PUT /__mock/videos/<id>), 2 default created, 3 audio created too, 4 default deleted.
 */
const STAGES = 4

export interface KillLoopOptions {
  dataFile: string
  /** Traffic runs for a random time in [min, max] ms before the SIGKILL. */
  killAfterMs: [number, number]
  /** MOCK_TICK_MS of the child (default 20). */
  tickMs?: number
  /** Concurrent workers that create new videos and take them through their stages (default 8). */
  videoWorkers?: number
  /** Kills the running child at teardown. */
  teardown?: TeardownHost
  /**
   * Children under tap's loader, reporting coverage (default false: tsx, no coverage). The
   * SIGKILLed ones could not report any anyway.
   */
  coverage?: boolean
}

/** One change acknowledged (2xx) and missing after the restart. */
export interface LostChange {
  change: string
  /** Time from its acknowledgement to the SIGKILL. */
  ageMs: number
}

export interface BurstReport {
  iteration: number
  /** From the first request to the SIGKILL. */
  durationMs: number
  requests: number
  /** Changes answered 2xx. */
  acknowledged: number
  /** Answers other than 200 (none expected). */
  unexpected: string[]
  /** Data file replacements (renames onto it) seen during the traffic. */
  rewrites: number
  /** Error-level log lines of the killed server. */
  serverErrors: string[]
}

export interface StartReport {
  /** 0 for the first start, then the burst it follows. */
  iteration: number
  /** The data file parsed as JSON before the start (true when there was none yet). */
  fileParses: boolean
  parseError?: string
  /** A leftover temporary file of an interrupted write was there. */
  tempFileLeft: boolean
  /** From spawn to the 'listening' line. */
  startMs: number
  /** healthz answered 200, the store loaded from the file, nothing on stderr. */
  startedCleanly: boolean
  healthz: unknown
  /** Changes acknowledged more than the window before the kill, all checked. */
  olderThanWindow: number
  /** Acknowledged changes missing (any age). */
  lost: LostChange[]
  /** Those older than the window: each one a broken promise. */
  beyondWindow: LostChange[]
  /** States nobody asked for, earlier iterations' videos changed, unknown videos. */
  anomalies: string[]
}

export interface StopReport { exit: Exit, anomalies: string[] }

interface VideoTrack { id: string, sent: number, acks: number[] }
interface FlapOp { state: boolean, ackAt?: number }
interface FlapTrack { video: string, type: 'default' | 'audio', initial: boolean, ops: FlapOp[] }
interface ClockAck { nowMs: number, ackAt: number }

interface Answer { status: number, ackAt: number, body?: unknown }

/** The stage a video's view shows: 0 to 4, or -1 for a state no stage has. */
function stageOf (downloads: Record<string, unknown> | undefined): number {
  if (downloads === undefined) return 0
  const key = `${'default' in downloads ? 'd' : ''}${'audio' in downloads ? 'a' : ''}`
  return ({ '': 1, d: 2, da: 3, a: 4 } as Record<string, number>)[key] ?? -1
}

/**
 * Runs the server on a data file, drives heavy write traffic at it, SIGKILLs it at a random
 * moment, and on the next start checks the file and what it kept. `start()` then `burst()` and
 * `start()` again, as many times as wanted, then `stop()`.
 */
export class KillLoop {
  private readonly options: Required<Omit<KillLoopOptions, 'teardown'>> & KillLoopOptions
  private server: Run | undefined
  private url = ''

  /** The running server's base url (for a script that adds videos before the kills). */
  get serverUrl (): string {
    return this.url
  }

  /** Videos a script added beside the bursts' (KILL_VIDEOS): expected, never checked stage by stage. */
  private readonly added = new Set<string>()

  /** Says that these videos were added on purpose, so a restart that holds them is not an anomaly. */
  expect (ids: Iterable<string>): void {
    for (const id of ids) this.added.add(id)
  }

  private iteration = 0
  /** Videos of past bursts and the stage the data file kept for each: they never change again. */
  private readonly durable = new Map<string, number>()
  /** Whether each flapping download exists, as last seen. */
  private readonly flapState = new Map<string, boolean>()
  /** What the last burst did, checked at the next start. */
  private last: { killAt: number, videos: VideoTrack[], flaps: FlapTrack[], clock: ClockAck[] } | undefined
  private videoSerial = 0

  constructor (options: KillLoopOptions) {
    this.options = { tickMs: 20, videoWorkers: 8, coverage: false, ...options }
  }

  /** Whether a temporary file of the data file's writer is left (`.<name>.<pid>.<random>.tmp`). */
  private tempFileLeft (): boolean {
    const prefix = `.${basename(this.options.dataFile)}.`
    return readdirSync(dirname(this.options.dataFile)).some((name) => name.startsWith(prefix) && name.endsWith('.tmp'))
  }

  /** Starts the server on the data file and checks what the last burst left there. */
  async start (): Promise<StartReport> {
    const { dataFile } = this.options
    const report: StartReport = {
      iteration: this.iteration,
      fileParses: true,
      tempFileLeft: this.tempFileLeft(),
      startMs: 0,
      startedCleanly: false,
      healthz: undefined,
      olderThanWindow: 0,
      lost: [],
      beyondWindow: [],
      anomalies: []
    }
    let saved: StoreData | undefined
    if (existsSync(dataFile)) {
      try {
        saved = savedState(dataFile)
      } catch (error) {
        report.fileParses = false
        report.parseError = (error as Error).message
      }
    }
    const spawnedAt = performance.now()
    const server = this.server = run(this.options.teardown, ['--port', '0'], {
      MOCK_DATA_FILE: dataFile, MOCK_TICK_MS: String(this.options.tickMs), LOG_LEVEL: 'info'
    }, { coverage: this.options.coverage })
    this.url = await listening(server)
    report.startMs = Math.round(performance.now() - spawnedAt)
    const health = await fetch(`${this.url}/healthz`)
    report.healthz = await health.json()
    const loaded = logLines(server.stdout()).some((entry) => entry.msg === (saved === undefined ? 'store seeded from fixtures' : 'store loaded from the data file'))
    report.startedCleanly = health.status === 200 && loaded && server.stderr() === ''

    const listed = await fetch(`${this.url}/__mock/videos`, { headers: AUTH })
    const videos = new Map<string, Record<string, unknown>>()
    for (const video of ((await listed.json()) as { result: { videos: Array<{ id: string, downloads: Record<string, unknown> }> } }).result.videos) {
      videos.set(video.id, video.downloads)
    }
    for (const [video, type] of FLAPPING) this.flapState.set(`${video}/${type}`, videos.get(video) !== undefined && type in videos.get(video)!)
    if (this.last !== undefined && saved !== undefined) this.check(report, videos, saved)
    return report
  }

  /** Compares what the restarted server holds with what the last burst had acknowledged. */
  private check (report: StartReport, videos: Map<string, Record<string, unknown>>, saved: StoreData): void {
    const { killAt, videos: tracks, flaps, clock } = this.last!
    const cutoff = killAt - DURABILITY_WINDOW_MS
    const lose = (change: string, ackAt: number): void => {
      const lost = { change, ageMs: Math.round(killAt - ackAt) }
      report.lost.push(lost)
      if (ackAt < cutoff) report.beyondWindow.push(lost)
    }
    const known = new Set<string>([...Object.values(VIDEOS), ...this.durable.keys(), ...this.added])
    const acks = [...tracks.flatMap((track) => track.acks), ...flaps.flatMap((flap) => flap.ops.map((op) => op.ackAt)), ...clock.map((ack) => ack.ackAt)]
    report.olderThanWindow = acks.filter((ackAt) => ackAt !== undefined && ackAt < cutoff).length

    // Videos of earlier bursts: exactly as the file kept them then.
    for (const [id, stage] of this.durable) {
      const now = stageOf(videos.get(id))
      if (now !== stage) report.anomalies.push(`video ${id} of an earlier burst went from stage ${stage} to ${now}`)
    }
    // This burst's videos: every acknowledged stage up to the one found, none past what was sent.
    for (const track of tracks) {
      known.add(track.id)
      const found = stageOf(videos.get(track.id))
      if (found < 0 || found > track.sent) report.anomalies.push(`video ${track.id} is in a state never asked for (stage ${found}, ${track.sent} sent)`)
      for (let stage = Math.max(found, 0) + 1; stage <= STAGES; stage++) {
        const ackAt = track.acks[stage]
        if (ackAt !== undefined) lose(`video ${track.id} stage ${stage}`, ackAt)
      }
      if (found > 0) this.durable.set(track.id, found)
    }
    for (const id of videos.keys()) if (!known.has(id)) report.anomalies.push(`unknown video ${id}`)

    // Downloads created and deleted in turn: the state of the last operation acknowledged before
    // the window, or of one after it (answered within the window, or sent and not answered).
    for (const flap of flaps) {
      const found = this.flapState.get(`${flap.video}/${flap.type}`)!
      const acked = flap.ops.filter((op) => op.ackAt !== undefined)
      const old = acked.filter((op) => op.ackAt! < cutoff)
      const since = old.length === 0 ? 0 : flap.ops.indexOf(old[old.length - 1]!)
      const allowed = [...(old.length === 0 ? [flap.initial] : []), ...flap.ops.slice(since).map((op) => op.state)]
      const name = `${flap.type} download of ${flap.video}`
      if (!allowed.includes(found)) {
        const lastOld = old[old.length - 1]
        if (lastOld === undefined) report.anomalies.push(`${name}: ${found ? 'present' : 'absent'}, a state never asked for`)
        else lose(`${name}: ${found ? 'present' : 'absent'} after ${old.length} operations acknowledged before the window`, lastOld.ackAt!)
        continue
      }
      // Within the window, the last acknowledged state, or that of the operation left unanswered.
      const lastAcked = acked[acked.length - 1]
      const unanswered = flap.ops.slice(lastAcked === undefined ? 0 : flap.ops.indexOf(lastAcked) + 1)
      if (lastAcked !== undefined && lastAcked.state !== found && !unanswered.some((op) => op.state === found)) {
        lose(`${name}: last acknowledged operation`, lastAcked.ackAt!)
      }
    }

    // Mock time: at least what the last advance acknowledged before the kill answered.
    for (const ack of clock) if (ack.nowMs > saved.clock.nowMs) lose(`clock at ${ack.nowMs} (file: ${saved.clock.nowMs})`, ack.ackAt)
  }

  /** One request; undefined when the server died under it. */
  private async send (method: string, path: string, body: unknown, parse: boolean): Promise<Answer | undefined> {
    try {
      const response = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? AUTH : { ...AUTH, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000)
      })
      const ackAt = performance.now()
      const text = await response.text().catch(() => undefined)
      return { status: response.status, ackAt, body: parse && text !== undefined ? JSON.parse(text) as unknown : undefined }
    } catch {
      return undefined
    }
  }

  private newVideoId (): string {
    const serial = this.videoSerial++
    return `c0de${this.iteration.toString(16).padStart(8, '0')}${serial.toString(16).padStart(20, '0')}`
  }

  /** Heavy write traffic for a random time, then SIGKILL. */
  async burst (): Promise<BurstReport> {
    const server = this.server!
    this.iteration++
    const report: BurstReport = { iteration: this.iteration, durationMs: 0, requests: 0, acknowledged: 0, unexpected: [], rewrites: 0, serverErrors: [] }
    // Aborted at the kill, which ends every worker's loop.
    const traffic = new AbortController()
    const send = async (method: string, path: string, body?: unknown, parse = false): Promise<Answer | undefined> => {
      report.requests++
      const answer = await this.send(method, path, body, parse)
      if (answer !== undefined && answer.status >= 200 && answer.status < 300) report.acknowledged++
      return answer
    }
    const unexpected = (what: string, answer: Answer): void => { report.unexpected.push(`${what}: ${answer.status}`) }

    const tracks: VideoTrack[] = []
    const videoWorker = async (): Promise<void> => {
      while (!traffic.signal.aborted) {
        const track: VideoTrack = { id: this.newVideoId(), sent: 0, acks: [] }
        tracks.push(track)
        const steps: Array<[string, string, unknown?]> = [
          ['PUT', `/__mock/videos/${track.id}`, { account: ACCOUNT }],
          ['POST', downloadsPath(track.id, ACCOUNT, 'default')],
          ['POST', downloadsPath(track.id, ACCOUNT, 'audio')],
          ['DELETE', downloadsPath(track.id, ACCOUNT, 'default')]
        ]
        for (const [method, path, body] of steps) {
          if (traffic.signal.aborted) return
          track.sent++
          const answer = await send(method, path, body)
          if (answer === undefined) return
          if (answer.status !== 200) {
            unexpected(`${method} ${path}`, answer)
            return
          }
          track.acks[track.sent] = answer.ackAt
        }
      }
    }

    const flaps: FlapTrack[] = FLAPPING.map(([video, type]) => ({ video, type, initial: this.flapState.get(`${video}/${type}`)!, ops: [] }))
    const flapWorker = async (flap: FlapTrack): Promise<void> => {
      let present = flap.initial
      while (!traffic.signal.aborted) {
        const op: FlapOp = { state: !present }
        flap.ops.push(op)
        const answer = await send(present ? 'DELETE' : 'POST', downloadsPath(flap.video, ACCOUNT, flap.type))
        if (answer === undefined) return
        if (answer.status !== 200) {
          unexpected(`${present ? 'DELETE' : 'POST'} ${flap.type} of ${flap.video}`, answer)
          return
        }
        op.ackAt = answer.ackAt
        present = op.state
      }
    }

    const clock: ClockAck[] = []
    const clockWorker = async (): Promise<void> => {
      while (!traffic.signal.aborted) {
        const answer = await send('POST', '/__mock/clock/advance', { ms: 100 }, true)
        if (answer === undefined) return
        if (answer.status !== 200) {
          unexpected('POST /__mock/clock/advance', answer)
          return
        }
        clock.push({ nowMs: (answer.body as { result: { clock: { nowMs: number } } }).result.clock.nowMs, ackAt: answer.ackAt })
        await sleep(20)
      }
    }

    let rewrites = 0
    const watcher = watch(dirname(this.options.dataFile), (event, file) => {
      // A write is an append to the change log (or, rarely, a snapshot renamed onto the file).
      const name = basename(this.options.dataFile)
      if ((event === 'rename' && file === name) || (event === 'change' && file?.startsWith(`${name}.`) === true && file.endsWith('.log'))) rewrites++
    })
    const startedAt = performance.now()
    const workers = [
      ...Array.from({ length: this.options.videoWorkers }, videoWorker),
      ...flaps.map(flapWorker),
      clockWorker()
    ]
    const [min, max] = this.options.killAfterMs
    await sleep(min + Math.random() * (max - min))
    traffic.abort()
    const killAt = performance.now()
    server.child.kill('SIGKILL')
    report.durationMs = Math.round(killAt - startedAt)
    await server.exited
    // Events of the last rename may still be on their way.
    await sleep(20)
    watcher.close()
    report.rewrites = rewrites
    await Promise.all(workers)
    report.serverErrors = logLines(server.stdout()).filter((entry) => entry.level >= 50).map((entry) => String(entry.msg))
    this.last = { killAt, videos: tracks, flaps, clock }
    return report
  }

  /** SIGTERM: a graceful close; the file then holds every acknowledged change of this run. */
  async stop (): Promise<StopReport> {
    const server = this.server!
    server.child.kill('SIGTERM')
    const exit = await server.exited
    const anomalies: string[] = []
    const saved = savedState(this.options.dataFile)
    for (const [id, stage] of this.durable) {
      const found = stageOf(saved.videos[id]?.downloads as Record<string, unknown> | undefined)
      if (found !== stage) anomalies.push(`video ${id}: stage ${found} in the file after SIGTERM, ${stage} expected`)
    }
    if (this.tempFileLeft()) anomalies.push('a temporary file is left after SIGTERM')
    return { exit, anomalies }
  }
}
