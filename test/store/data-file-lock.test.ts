import t from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DataFileError } from '../../src/store/data-file.js'
import { DataFileLock, canAskPid, judgeLock, lockPath, parseLock, pidAlive, pidScope, type LockRecord } from '../../src/store/data-file-lock.js'

const HOLDER: LockRecord = { host: 'a', pid: 7, startedAt: 0, heartbeatAt: 1000, owner: 'x', scope: 's' }
const seen = { lock: HOLDER, modifiedAt: 0, now: 1000, unchangedForMs: 0, changed: false, holderAlive: undefined }

t.test('judgeLock: stale by heartbeat age, by watching, or by a dead pid; held when seen alive', async (t) => {
  t.equal(judgeLock(seen), 'unsure', 'fresh, nothing known yet')
  t.equal(judgeLock({ ...seen, now: 6000 }), 'unsure', 'exactly at the threshold')
  t.equal(judgeLock({ ...seen, now: 6001 }), 'stale', 'older than 5 s')
  t.equal(judgeLock({ ...seen, now: 6001 }, 10_000), 'unsure', 'a threshold of its own')
  t.equal(judgeLock({ ...seen, unchangedForMs: 5001 }), 'stale', 'unchanged while watched for 5 s, whatever the clocks say')
  t.equal(judgeLock({ ...seen, changed: true }), 'held', 'a heartbeat seen to change')
  t.equal(judgeLock({ ...seen, holderAlive: true }), 'held')
  t.equal(judgeLock({ ...seen, holderAlive: true, now: 9000 }), 'stale', 'a pid alive with a dead heartbeat: a reused pid')
  t.equal(judgeLock({ ...seen, holderAlive: false }), 'stale', 'a dead pid')
  t.equal(judgeLock({ ...seen, lock: undefined, modifiedAt: 900, changed: true }), 'unsure', 'a lock that does not parse names nobody')
  t.equal(judgeLock({ ...seen, lock: undefined, modifiedAt: 900, now: 6000 }), 'stale', 'and ages by its mtime')
})

t.test('canAskPid: same host, same scope, another pid; never across containers', async (t) => {
  const self = { host: 'a', pid: 8, scope: 's' }
  t.ok(canAskPid(HOLDER, self))
  t.notOk(canAskPid(HOLDER, { ...self, pid: 7 }), 'our own pid: two containers, both PID 1')
  t.notOk(canAskPid(HOLDER, { ...self, host: 'b' }))
  t.notOk(canAskPid(HOLDER, { ...self, scope: 'other pid namespace' }))
  t.notOk(canAskPid(HOLDER, { ...self, scope: undefined }))
  t.notOk(canAskPid({ ...HOLDER, scope: undefined }, self))
})

t.test('parseLock, pidScope, pidAlive', async (t) => {
  t.same(parseLock(JSON.stringify(HOLDER)), HOLDER)
  for (const text of ['', '{', 'null', '1', '{"host":"a"}', JSON.stringify({ ...HOLDER, pid: 'x' })]) t.equal(parseLock(text), undefined, text)
  t.equal(pidScope('darwin'), 'darwin')
  t.equal(pidScope('linux', (path) => path.includes('boot') ? 'b\n' : 'pid:[1]'), 'b/pid:[1]')
  t.equal(pidScope('linux', () => { throw new Error('no /proc') }), undefined)
  t.type(pidScope(), 'string')
  t.ok(pidAlive(process.pid))
  t.notOk(pidAlive(2 ** 22 + 12345), 'no such pid')
  t.ok(pidAlive(1), 'init lives (EPERM when not root)')
})

/** A clock that the lock's waits move on: no test waits on real time. */
function fakeTime (start = 10_000): { now: () => number, sleep: (ms: number) => Promise<void>, onSleep: Array<() => void> } {
  let at = start
  const onSleep: Array<() => void> = []
  return { now: () => at, sleep: async (ms) => { at += ms; for (const fn of onSleep) fn() }, onSleep }
}

t.test('acquire creates the lock, heartbeats refresh it, release deletes it', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  const time = fakeTime()
  const lock = await DataFileLock.acquire(file, { now: time.now, sleep: time.sleep, heartbeatMs: 0 })
  const saved = parseLock(readFileSync(lockPath(file), 'utf8'))!
  t.match(saved, { pid: process.pid, startedAt: 10_000, heartbeatAt: 10_000 })
  t.equal(lock.content.owner, saved.owner)
  await time.sleep(1000)
  await lock.heartbeat()
  t.equal(parseLock(readFileSync(lockPath(file), 'utf8'))!.heartbeatAt, 11_000)
  await lock.release()
  t.notOk(existsSync(lockPath(file)))
  await lock.release()
  await lock.heartbeat()
  t.notOk(existsSync(lockPath(file)), 'nothing after release')
})

t.test('a second holder: refused when the heartbeat moves, naming the file, host and pid', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  const time = fakeTime()
  const first = await DataFileLock.acquire(file, { now: time.now, heartbeatMs: 0 })
  t.teardown(() => first.release())
  let sleeps = 0
  time.onSleep.push(() => { if (++sleeps === 10) void first.heartbeat() })
  const error = await DataFileLock.acquire(file, { now: time.now, sleep: async (ms) => { await time.sleep(ms); await first.heartbeat() }, heartbeatMs: 0 }).then(() => undefined, (e: unknown) => e as Error)
  t.type(error, DataFileError)
  t.match(error?.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is in use by process ${process.pid} on host \\S+ \\(lock .*\\.lock, heartbeat \\d+ ms ago\\); stop that server`))
})

t.test('a pid known alive is refused at once; a dead one taken over at once', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  const time = fakeTime()
  writeFileSync(lockPath(file), JSON.stringify({ ...HOLDER, heartbeatAt: 10_000, scope: 's' }))
  const self = { host: 'a', pid: 8, scope: 's' }
  const refused = await DataFileLock.acquire(file, { now: time.now, sleep: time.sleep, identity: self, isAlive: () => true, heartbeatMs: 0 }).catch((e: unknown) => e as Error)
  t.match((refused as Error).message, /is in use by process 7 on host a \(lock .*, heartbeat 0 ms ago\)/)
  const taken = await DataFileLock.acquire(file, { now: time.now, sleep: time.sleep, identity: self, isAlive: () => false, heartbeatMs: 0 })
  t.equal(parseLock(readFileSync(lockPath(file), 'utf8'))!.owner, taken.content.owner)
  await taken.release()
})

t.test('a stale lock is taken over after at most the threshold; a holder taken over stops', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  const time = fakeTime()
  const lost: unknown[] = []
  const old = await DataFileLock.acquire(file, { now: time.now, heartbeatMs: 0, onLost: (holder) => lost.push(holder) })
  // The old holder stalls: no heartbeat. Containers: same host, both PID 1, so only time tells.
  const before = time.now()
  const taker = await DataFileLock.acquire(file, { now: time.now, sleep: time.sleep, heartbeatMs: 0, identity: { host: old.content.host, pid: old.content.pid, scope: old.content.scope } })
  t.ok(time.now() - before <= 5000 + 2 * 100, `taken over after ${time.now() - before} ms`)
  await old.heartbeat()
  t.same(lost, [taker.content], 'the old holder learns it lost the lock')
  t.same(old.lost, { holder: taker.content })
  await old.release()
  t.ok(existsSync(lockPath(file)), 'and does not delete the new holder\'s lock')
  await taker.release()
})

t.test('an unreadable lock ages by its mtime; a folder that cannot be written is refused', async (t) => {
  const dir = t.testdir({ 'plain-file': 'x' })
  const file = join(dir, 'data.json')
  writeFileSync(lockPath(file), '')
  const time = fakeTime(Date.now())
  const lock = await DataFileLock.acquire(file, { now: time.now, sleep: time.sleep, heartbeatMs: 0 })
  await lock.release()
  const error = await DataFileLock.acquire(join(dir, 'plain-file', 'data.json'), { heartbeatMs: 0 }).catch((e: unknown) => e as Error)
  t.equal((error as Error).message, `${join(dir, 'plain-file', 'data.json')}: cannot be written (ENOTDIR)`)
})

t.test('the heartbeat timer runs unref\'d; heartbeat errors are reported', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'data.json')
  const errors: unknown[] = []
  const lock = await DataFileLock.acquire(file, { heartbeatMs: 1, onError: (error) => errors.push(error), fileSystem: undefined })
  await new Promise<void>((resolve) => { const check = (): void => { if (parseLock(readFileSync(lockPath(file), 'utf8'))!.heartbeatAt > lock.content.startedAt || lock.content.heartbeatAt > lock.content.startedAt) resolve(); else setImmediate(check) }; check() })
  await lock.release()
  t.same(errors, [])
})

t.test('with the default wait, a lock that stops changing is taken over', async (t) => {
  const file = join(t.testdir({}), 'data.json')
  // Fresh by its heartbeat, held by nobody who refreshes it: unchanged past the threshold.
  writeFileSync(lockPath(file), JSON.stringify({ ...HOLDER, heartbeatAt: Date.now() + 60_000 }))
  const lock = await DataFileLock.acquire(file, { staleAfterMs: 20, pollMs: 1, heartbeatMs: 0 })
  t.equal(parseLock(readFileSync(lockPath(file), 'utf8'))!.owner, lock.content.owner)
  await lock.release()
})
