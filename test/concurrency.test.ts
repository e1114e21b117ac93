import t from 'tap'
import { mulberry32 } from '../src/domain/faults.js'
import { startMock } from '../src/index.js'
import { ACCOUNT, AUTH, VIDEOS } from './helpers/build.js'

/** Requests in flight at once in each round, and rounds per video. */
const CONCURRENT = 200
const ROUNDS = 4
const TYPES = ['default', 'audio'] as const

interface Operation { method: 'GET' | 'POST' | 'DELETE', type?: 'default' | 'audio' }
interface Outcome { op: Operation, status: number, body: any }
interface JournalEntry { seq: number, method: string, status: number, type?: string, downloads?: Record<string, string> }

/** A random mix: mostly creates and deletes of both types (typed and untyped urls), some reads. */
function operations (random: () => number): Operation[] {
  return Array.from({ length: CONCURRENT }, (): Operation => {
    const draw = random()
    const method = draw < 0.1 ? 'GET' : draw < 0.55 ? 'POST' : 'DELETE'
    if (method === 'GET') return { method }
    // An untyped url acts on `default`, as the typed `default` url does.
    const pick = Math.floor(random() * 3)
    return pick === 2 ? { method } : { method, type: TYPES[pick] }
  })
}

t.test('concurrent creates and deletes of the same downloads leave the state the journal predicts', async (t) => {
  // A real server and real sockets: requests interleave as they would from many clients.
  const mock = await startMock({ port: 0, autoTick: false, config: { journalSize: 10_000 } })
  t.teardown(() => mock.close())
  const random = mulberry32(20_251_129)
  const api = (video: string, type?: string): string => `${mock.url}/client/v4/accounts/${ACCOUNT}/stream/${video}/downloads${type === undefined ? '' : `/${type}`}`

  const getJson = async (url: string, init?: RequestInit): Promise<any> => await (await fetch(url, init)).json()
  const downloadTypes = async (video: string): Promise<string[]> => Object.keys((await getJson(api(video), { headers: AUTH })).result as object).sort()
  const journal = async (video: string): Promise<JournalEntry[]> =>
    ((await getJson(`${mock.url}/__mock/journal?video=${video}`)).result.entries as JournalEntry[]).sort((a, b) => a.seq - b.seq)
  const deletes = { found: 0, missing: 0 }

  // `empty` starts with no download; `failed` with a `default` in error, which a create starts over.
  for (const video of [VIDEOS.empty, VIDEOS.failed]) {
    const initial = await downloadTypes(video)
    const firstSeq = ((await journal(video)).at(-1)?.seq ?? 0) + 1

    for (let round = 1; round <= ROUNDS; round++) {
      const roundSeq = ((await journal(video)).at(-1)?.seq ?? 0) + 1
      const ops = operations(random)
      const settled = await Promise.allSettled(ops.map(async (op): Promise<Outcome> => {
        const res = await fetch(api(video, op.type), { method: op.method, headers: AUTH })
        return { op, status: res.status, body: await res.json() }
      }))
      const failed = settled.filter((result) => result.status === 'rejected')
      t.equal(failed.length, 0, `round ${round} on ${video}: no request failed at the socket level`, { failures: failed.slice(0, 3) })
      const outcomes = settled.flatMap((result) => result.status === 'fulfilled' ? [result.value] : [])

      // Every answer is a 200 envelope with the right result: a delete is idempotent.
      const bad = outcomes.filter(({ op, status, body }) =>
        status !== 200 || body.success !== true || (op.method === 'DELETE' ? body.result !== 'ok' : typeof body.result !== 'object'))
      t.same(bad, [], `round ${round} on ${video}: every answer is a 200 envelope`)

      // The answers the clients got (what each showed of the downloads) are the ones the
      // journal recorded for the round.
      const entries = (await journal(video)).filter((entry) => entry.seq >= firstSeq)
      const roundEntries = entries.filter((entry) => entry.seq >= roundSeq)
      const showing = (result: unknown): string => typeof result === 'object' && result !== null ? Object.keys(result).sort().join(',') : String(result)
      const answered = outcomes.map(({ op, status, body }) => `${op.method} ${op.type ?? (op.method === 'GET' ? '-' : 'default')} ${status} ${showing(body.result)}`).sort()
      const recorded = roundEntries.map((entry) => `${entry.method} ${entry.type ?? '-'} ${entry.status} ${entry.method === 'DELETE' ? 'ok' : showing(entry.downloads)}`).sort()
      t.same(recorded, answered, `round ${round} on ${video}: the journal holds every answer the clients got, once`)

      // Replaying the journal's creates and deletes in `seq` order, from the initial state (this
      // test's own reads between rounds included): each read and each create showed what the
      // replay has, and the end is what the API and admin API show now.
      const present = new Set(initial)
      const contradictions: string[] = []
      for (const entry of entries) {
        const type = entry.type as string
        if (entry.status === 200 && (entry.method === 'GET' || entry.method === 'POST')) {
          if (entry.method === 'POST') present.add(type)
          const expected = [...present].sort().join(',')
          const shown = Object.keys(entry.downloads ?? {}).sort().join(',')
          if (shown !== expected) contradictions.push(`#${entry.seq} ${entry.method} showed [${shown}], the replay has [${expected}]`)
        } else if (entry.method === 'DELETE' && entry.status === 200) {
          deletes[present.delete(type) ? 'found' : 'missing']++
        } else {
          contradictions.push(`#${entry.seq} unexpected ${entry.method} ${entry.status}`)
        }
      }
      t.same(contradictions, [], `round ${round} on ${video}: the journal's order explains every answer`)

      const shown = await downloadTypes(video)
      t.same(shown, [...present].sort(), `round ${round} on ${video}: the downloads are what the journal predicts`)
      const admin = (await getJson(`${mock.url}/__mock/videos/${video}`)).result
      t.same(Object.keys(admin.downloads).sort(), shown, `round ${round} on ${video}: the admin API agrees`)
    }
  }
  // The mix really contended: deletes both found a download and found none.
  t.ok(deletes.found > 0 && deletes.missing > 0, `deletes that found a download: ${deletes.found}, that found none: ${deletes.missing}`)
})
