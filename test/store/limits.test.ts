import t from 'tap'
import type { Progression } from '../../src/domain/progress.js'
import { FixtureError } from '../../src/seed/fixture-error.js'
import { DownloadStore, MAX_VIDEOS, StoreChangeError } from '../../src/store/download-store.js'

const ACCOUNT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const DEFAULTS: Progression = { model: 'time', speed: 10, step: 25 }
const silent = { info: () => {}, error: () => {} }
const id = (n: number): string => n.toString(16).padStart(32, '0')
const videos = (count: number, from = 0): Array<{ id: string, account: string }> => Array.from({ length: count }, (_, index) => ({ id: id(from + index), account: ACCOUNT }))

async function open (options: { maxVideos?: number, maxAccountClocks?: number, count?: number } = {}): Promise<DownloadStore> {
  return await DownloadStore.open({ fixtures: [{ source: 'inline', document: { videos: videos(options.count ?? 2) } }], defaults: DEFAULTS, log: silent, ...options })
}

t.test('videos: fixtures, admin puts and auto-create all count toward the bound', async (t) => {
  const error = await DownloadStore.open({ fixtures: [{ source: 'many.json', document: { videos: videos(4) } }], defaults: DEFAULTS, log: silent, maxVideos: 3 }).catch((caught: unknown) => caught)
  t.type(error, FixtureError)
  t.equal((error as Error).message, 'many.json: $.videos: 4 videos; the store holds at most 3 (MOCK_MAX_VIDEOS)')

  const two = await DownloadStore.open({ fixtures: [{ source: 'a.json', document: { videos: videos(2) } }, { source: 'b.json', document: { videos: videos(2, 2) } }], defaults: DEFAULTS, log: silent, maxVideos: 3 }).catch((caught: unknown) => caught)
  t.equal((two as Error).message, '2 fixture files: $.videos: 4 videos; the store holds at most 3 (MOCK_MAX_VIDEOS)')

  const store = await open({ maxVideos: 4 })
  t.equal(store.putVideos(videos(2, 1)), 1, 'a replaced video does not count twice')
  t.equal(store.videoCount, 3)
  const full = (() => { try { store.putVideos(videos(2, 3)); return undefined } catch (caught) { return caught } })()
  t.type(full, StoreChangeError)
  t.equal((full as StoreChangeError).kind, 'full')
  t.match((full as Error).message, /at most 4 videos \(MOCK_MAX_VIDEOS\): it holds 3, and this adds 2/)
  t.equal(store.videoCount, 3, 'a refused load changes nothing')
  t.same(store.lookup(ACCOUNT, id(3), true), { found: true, video: { account: ACCOUNT, downloads: {}, onCreate: {} } }, 'auto-create up to the bound')
  t.same(store.lookup(ACCOUNT, id(4), true), { found: false, reason: 'full' }, 'then refused')
  t.equal(store.videoCount, 4)
  t.ok(store.deleteVideo(id(0)))
  t.equal(store.videoCount, 3, 'a delete gives its place back')
  t.equal(store.lookup(ACCOUNT, id(4), true).found, true)
  await store.reset()
  t.equal(store.videoCount, 2, 'a reset counts again from the fixtures')
})

t.test('the bound is at most MAX_VIDEOS', async (t) => {
  const store = await open({ maxVideos: MAX_VIDEOS * 2 })
  t.equal(store.maxVideos, MAX_VIDEOS)
})

t.test('account clocks: bounded; a reset gives one back', async (t) => {
  const store = await open({ maxAccountClocks: 2 })
  store.setClock({ frozen: true }, 'c1'.repeat(16))
  store.advance(10, 'c2'.repeat(16))
  store.setClock({ rate: 2 }, 'c2'.repeat(16))
  const full = (() => { try { store.advance(10, 'c3'.repeat(16)); return undefined } catch (caught) { return caught } })()
  t.type(full, StoreChangeError)
  t.equal((full as StoreChangeError).kind, 'full')
  t.equal((full as StoreChangeError).field, 'account')
  t.equal(store.clocks.accountClocks, 2)
  t.notOk(Object.hasOwn(store.clocks.accounts, 'c3'.repeat(16)), 'the refused clock was not made')
  await store.reset('c1'.repeat(16))
  t.equal(store.clocks.accountClocks, 1)
  store.setClock({ frozen: true }, 'c3'.repeat(16))
  t.equal(store.clocks.accountClocks, 2)
})

t.test('schedules of deleted downloads are compacted while the clock is frozen', async (t) => {
  const store = await open({ count: 1 })
  store.setClock({ frozen: true })
  const only = store.lookup(ACCOUNT, id(0))
  if (!only.found) throw new Error('no video')
  for (let round = 0; round < 100_000; round++) {
    store.create(id(0), only.video, 'default')
    store.remove(id(0), only.video, 'default')
  }
  t.ok(store.scheduledCount <= 2048, `100,000 create/delete pairs leave ${store.scheduledCount} entries, not 100,000`)
  store.create(id(0), only.video, 'default')
  store.advance(10_000)
  t.same(store.stateOf(id(0), 'default'), { status: 'ready', percentComplete: 100 }, 'the live entry survived compaction')
})
