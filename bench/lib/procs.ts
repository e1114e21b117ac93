/**
 * Child processes of the bench: every one is registered here and killed at the end, on failure,
 * and on SIGINT/SIGTERM of the bench itself. Also: free ports, waiting for /healthz, and RSS
 * from /proc/<pid>/status. Every wait is bounded in time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

/** Every child still running. */
const children = new Set<ChildProcess>()

/** SIGKILLs every child still running (synchronous: also safe from an 'exit' handler). */
export function killAll (): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  children.clear()
}

let cleanupInstalled = false

/** Kills the children on every way out of the bench, and runs `extra` (temp dirs) once. */
export function installCleanup (extra: () => void): void {
  if (cleanupInstalled) return
  cleanupInstalled = true
  let done = false
  const cleanup = (): void => {
    if (done) return
    done = true
    killAll()
    extra()
  }
  process.on('exit', cleanup)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping every child\n`)
      cleanup()
      process.exit(130)
    })
  }
}

/** The mock's own settings are stripped from the environment a child inherits. */
const MOCK_ENV = /^(PORT|HOST|LOG_LEVEL|MOCK_[A-Z_]+)$/

export interface Child {
  child: ChildProcess
  pid: number
  /** Everything the child wrote so far (stdout and stderr), for error messages. */
  output: () => string
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
  stop: (graceMs?: number) => Promise<void>
}

/**
 * Starts `node <args>` with `env` added to a clean environment; `onLine` sees each line of its
 * stdout; `quiet` discards its stdout (a server that logs every request).
 */
export function startNode (args: string[], env: Record<string, string> = {}, onLine?: (line: string) => void, quiet = false): Child {
  const base: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!MOCK_ENV.test(key)) base[key] = value
  const child = spawn(process.execPath, args, { env: { ...base, ...env }, stdio: ['ignore', quiet ? 'ignore' : 'pipe', 'pipe'] })
  children.add(child)
  let output = ''
  const keep = (chunk: string): void => {
    // Only the last 64 KiB: a chatty child must not grow the bench's memory.
    output = (output + chunk).slice(-65_536)
  }
  let partial = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    keep(chunk)
    if (onLine === undefined) return
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  })
  child.stderr?.setEncoding('utf8').on('data', keep)
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      children.delete(child)
      resolve(code)
    })
    child.on('error', () => {
      children.delete(child)
      resolve(null)
    })
  })
  if (child.pid === undefined) throw new Error(`cannot start node ${args.join(' ')}`)
  const stop = async (graceMs = 5000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }
  return { child, pid: child.pid, output: () => output, exited, stop }
}

/** A TCP port free on 127.0.0.1 now (the OS picks it; a small race until the child binds it). */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => { resolve(port) })
    })
  })
}

export interface HttpAnswer { status: number, body: string }

/** One HTTP request to 127.0.0.1 (the only host the bench talks to), with a timeout. */
export async function http (port: number, method: string, path: string, options: { headers?: Record<string, string>, body?: string, timeoutMs?: number } = {}): Promise<HttpAnswer> {
  return await new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers }
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json'
      headers['content-length'] = String(Buffer.byteLength(options.body))
    }
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: options.timeoutMs ?? 10_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }) })
      res.on('error', reject)
    })
    req.on('timeout', () => { req.destroy(new Error(`${method} ${path}: timed out`)) })
    req.on('error', reject)
    req.end(options.body)
  })
}

/**
 * Polls GET /healthz until it answers 200; returns the ms from `startedAt` (performance.now()
 * when the process was spawned) to that answer. Throws when the child exits or after `timeoutMs`.
 */
export async function waitHealthy (server: Child, port: number, startedAt: number, timeoutMs = 60_000): Promise<number> {
  const deadline = startedAt + timeoutMs
  while (performance.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`the server exited before answering /healthz:\n${server.output()}`)
    }
    try {
      const answer = await http(port, 'GET', '/healthz', { timeoutMs: 2000 })
      if (answer.status === 200) return performance.now() - startedAt
    } catch {
      // Not listening yet.
    }
    await sleep(2)
  }
  throw new Error(`no 200 on /healthz within ${timeoutMs} ms:\n${server.output()}`)
}

/** The resident set size of a process in bytes (VmRSS of /proc/<pid>/status), or undefined. */
export function rssOf (pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}

let clockTicks: number | undefined

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat; or undefined. */
export function cpuMsOf (pid: number): number | undefined {
  try {
    clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (in parentheses, which may hold spaces): utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 1000 / clockTicks
  } catch {
    return undefined
  }
}

/** Samples a process's RSS every `everyMs` until stopped; keeps every sample. */
export function sampleRss (pid: number, everyMs: number): { samples: number[], stop: () => number[] } {
  const samples: number[] = []
  const take = (): void => {
    const rss = rssOf(pid)
    if (rss !== undefined) samples.push(rss)
  }
  take()
  const timer = setInterval(take, everyMs)
  return {
    samples,
    stop: () => {
      clearInterval(timer)
      take()
      return samples
    }
  }
}
