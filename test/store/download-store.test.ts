import t from 'tap'
import type { Progression } from '../../src/domain/progress.js'
import type { FixtureDocument } from '../../src/schemas/fixture.js'
import { DownloadStore, type StoreLogger } from '../../src/store/download-store.js'

const ACCOUNT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const OTHER_ACCOUNT = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
const V = {
  ready: '11111111111111111111111111111111',
  timed: '22222222222222222222222222222222',
  polled: '33333333333333333333333333333333',
  empty: '44444444444444444444444444444444',
  failing: '55555555555555555555555555555555',
  other: '66666666666666666666666666666666'
}
const DEFAULTS: Progression = { model: 'time', speed: 10, step: 25 }

const DOCUMENT: FixtureDocument = {
  videos: [
    { id: V.ready, account: ACCOUNT, downloads: { default: { status: 'ready' }, audio: { status: 'ready' } } },
    { id: V.timed, account: ACCOUNT, downloads: { default: { percentComplete: 40 } } },
    { id: V.polled, account: ACCOUNT, downloads: { default: { model: 'polls', step: 50 }, audio: { model: 'manual', percentComplete: 10 } } },
    { id: V.empty, account: ACCOUNT, onCreate: { audio: { failAt: 20 } } },
    { id: V.failing, account: ACCOUNT, downloads: { default: { status: 'error', percentComplete: 75 } } },
    { id: V.other, account: OTHER_ACCOUNT }
  ]
}

interface Logged { level: 'info' | 'error', obj: object, msg: string | undefined }

function recorder (): StoreLogger & { logged: Logged[] } {
  const logged: Logged[] = []
  return {
    logged,
    info: (obj, msg) => { logged.push({ level: 'info', obj, msg }) },
    error: (obj, msg) => { logged.push({ level: 'error', obj, msg }) }
  }
}

async function open (): Promise<{ store: DownloadStore, log: ReturnType<typeof recorder> }> {
  const log = recorder()
  const store = await DownloadStore.open({ fixtures: [{ source: 'inline', document: structuredClone(DOCUMENT) }], defaults: DEFAULTS, log })
  return { store, log }
}

function video (store: DownloadStore, id: string, account = ACCOUNT) {
  const lookup = store.lookup(account, id)
  if (!lookup.found) throw new Error(`no video ${id}`)
  return lookup.video
}

t.test('opens in memory from the fixtures', async (t) => {
  const { store, log } = await open()
  t.equal(store.videoCount, 6)
  t.equal(store.nowMs, 0)
  t.equal(store.dataFile, undefined)
  t.equal(store.writes, 0, 'nothing to write without a data file')
  t.same(log.logged, [{ level: 'info', obj: { videos: 6, dataFile: undefined, seeded: true }, msg: 'store seeded from fixtures' }])
  t.equal(store.scheduledCount, 1, 'only the timed download has a stop ahead')
})

t.test('lookup: ids are unique across accounts; a miss says whether the account exists', async (t) => {
  const { store } = await open()
  t.equal(store.lookup(ACCOUNT, V.ready).found, true)
  t.same(store.lookup(OTHER_ACCOUNT, V.ready), { found: false, reason: 'video' }, 'a video of another account')
  t.same(store.lookup(ACCOUNT, 'ffffffffffffffffffffffffffffffff'), { found: false, reason: 'video' })
  t.same(store.lookup('ffffffffffffffffffffffffffffffff', V.ready), { found: false, reason: 'account' })
  t.same(store.lookup(ACCOUNT, '__proto__'), { found: false, reason: 'video' }, 'no prototype lookups')
  t.same(store.lookup(ACCOUNT, 'constructor'), { found: false, reason: 'video' })
  t.equal(store.stateOf('toString', 'default'), undefined)
})

t.test('states follow mock time', async (t) => {
  const { store } = await open()
  t.same(store.states(video(store, V.ready)), { default: { status: 'ready', percentComplete: 100 }, audio: { status: 'ready', percentComplete: 100 } })
  t.same(store.states(video(store, V.timed)), { default: { status: 'inprogress', percentComplete: 40 } })
  t.same(store.states(video(store, V.empty)), {})
  store.clocks.global.nowMs = 3000
  t.same(store.stateOf(V.timed, 'default'), { status: 'inprogress', percentComplete: 70 })
  t.equal(store.stateOf(V.timed, 'audio'), undefined, 'a type the video lacks')
  t.equal(store.stateOf('ffffffffffffffffffffffffffffffff', 'default'), undefined, 'an unknown video')
})

t.test('settleDue writes down transitions as they come due, once', async (t) => {
  const { store } = await open()
  store.clocks.global.nowMs = 5999
  t.equal(store.settleDue(), 0, 'not yet')
  store.clocks.global.nowMs = 6000
  t.equal(store.settleDue(), 1)
  t.same(video(store, V.timed).downloads.default, { ...DEFAULTS, status: 'ready', percent: 100, since: 6000 })
  t.equal(store.settleDue(), 0, 'nothing twice')
  t.equal(store.transitionsRecorded, 1)
  t.equal(store.scheduledCount, 0)
})

t.test('stale schedule entries are skipped', async (t) => {
  const { store } = await open()
  const timed = video(store, V.timed)
  t.ok(store.remove(timed, 'default'), 'deleted after it was scheduled')
  const empty = video(store, V.empty)
  t.ok(store.create(V.empty, empty, 'default'))
  t.ok(store.remove(empty, 'default'))
  t.ok(store.create(V.empty, empty, 'default'), 'recreated: the first entry is stale')
  store.clocks.global.nowMs = 4000
  t.ok(store.create(V.timed, timed, 'default'), 'recreated later: its old entry is stale too')
  t.equal(store.scheduledCount, 4)
  store.clocks.global.nowMs = 10_000
  t.equal(store.settleDue(), 1, 'only the live entry of the empty video counts')
  t.equal(store.scheduledCount, 1, 'the recreated timed download is still ahead')
  store.clocks.global.nowMs = 14_000
  t.equal(store.settleDue(), 1)
  t.equal(store.transitionsRecorded, 2)
})

t.test('create: only when there is none, or it failed', async (t) => {
  const { store } = await open()
  store.clocks.global.nowMs = 1000
  t.notOk(store.create(V.ready, video(store, V.ready), 'default'), 'a ready download stays')
  t.notOk(store.create(V.timed, video(store, V.timed), 'default'), 'a running download stays')
  const failing = video(store, V.failing)
  t.ok(store.create(V.failing, failing, 'default'), 'a failed one starts over')
  t.same(failing.downloads.default, { ...DEFAULTS, status: 'inprogress', percent: 0, since: 1000 })

  const empty = video(store, V.empty)
  t.ok(store.create(V.empty, empty, 'audio'))
  t.same(empty.downloads.audio, { ...DEFAULTS, failAt: 20, status: 'inprogress', percent: 0, since: 1000 }, 'onCreate settings apply')
  store.clocks.global.nowMs = 3000
  store.settleDue()
  t.same(store.stateOf(V.empty, 'audio'), { status: 'error', percentComplete: 20 })

  store.defaults = { model: 'immediate', speed: 10, step: 25 }
  t.ok(store.create(V.empty, empty, 'default'))
  t.same(store.stateOf(V.empty, 'default'), { status: 'ready', percentComplete: 100 }, 'changed defaults apply to later downloads')
})

t.test('remove', async (t) => {
  const { store } = await open()
  const ready = video(store, V.ready)
  t.ok(store.remove(ready, 'audio'))
  t.notOk(store.remove(ready, 'audio'), 'nothing left to remove')
  t.same(Object.keys(ready.downloads), ['default'])
})

t.test('poll: polls downloads take a step per read; others do not move', async (t) => {
  const { store } = await open()
  const polled = video(store, V.polled)
  store.clocks.global.nowMs = 500
  store.poll(polled)
  t.same(store.states(polled), { default: { status: 'inprogress', percentComplete: 50 }, audio: { status: 'inprogress', percentComplete: 10 } })
  t.equal(store.transitionsRecorded, 0)
  store.poll(polled)
  t.same(store.stateOf(V.polled, 'default'), { status: 'ready', percentComplete: 100 })
  t.equal(store.transitionsRecorded, 1, 'reaching ready is a transition')
  store.poll(polled)
  t.equal(store.transitionsRecorded, 1, 'a ready download does not move')
  store.poll(video(store, V.empty))
  store.poll(video(store, V.timed))
  t.same(store.stateOf(V.timed, 'default'), { status: 'inprogress', percentComplete: 45 }, 'time downloads ignore reads')
})

t.test('close and flush without a data file do nothing', async (t) => {
  const { store, log } = await open()
  store.create(V.empty, video(store, V.empty), 'default')
  await store.flush()
  await store.close()
  t.equal(store.writes, 0)
  t.equal(log.logged.length, 1, 'only the opening line')
})

t.test('videos share one empty onCreate and one string per account, and a change to one stays its own', async (t) => {
  const { store } = await open()
  const [first, second] = store.listVideos(ACCOUNT).filter((view) => Object.keys(view.onCreate).length === 0)
  if (first === undefined || second === undefined) throw new Error('the fixtures have two videos without onCreate')
  t.equal(video(store, first.id).onCreate, video(store, second.id).onCreate, 'one shared empty object')
  t.ok(Object.isFrozen(video(store, first.id).onCreate), 'frozen, since it is shared')
  store.setOnCreate(first.id, 'audio', { model: 'polls', step: 10 })
  t.same(store.getVideo(first.id)?.onCreate, { audio: { model: 'polls', step: 10 } })
  t.same(store.getVideo(second.id)?.onCreate, {}, 'the other video keeps none')
  store.setOnCreate(first.id, 'audio', undefined)
  t.same(store.getVideo(first.id)?.onCreate, {})
  t.same(store.getVideo(second.id)?.onCreate, {})

  // Loaded separately, the same account id is one string in the store: no way to see it but by
  // identity, which strings do not expose; the store still finds each video by the account.
  const before = store.listVideos(ACCOUNT).length
  store.putVideos([{ id: 'abababababababababababababababab', account: `${ACCOUNT.slice(0, 16)}${ACCOUNT.slice(16)}` }])
  t.equal(video(store, 'abababababababababababababababab').account, ACCOUNT)
  t.equal(store.listVideos(ACCOUNT).length, before + 1)
})

t.test('reset without reloadFixtures goes back to the fixtures the store was opened with', async (t) => {
  const { store } = await open()
  const before = store.listVideos()
  store.deleteVideo(V.ready)
  store.advance(5000)
  t.equal(store.videoCount, 5)
  await store.reset()
  t.equal(store.nowMs, 0)
  t.same(store.listVideos(), before)
})
