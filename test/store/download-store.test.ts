import t from 'tap'
import type { Progression } from '../../src/domain/progress.js'
import type { FixtureDocument } from '../../src/schemas/fixture.js'
import { DownloadStore, MAX_TRANSITION_LOGS, type StoreLogger } from '../../src/store/download-store.js'

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
  t.same(log.logged, [{ level: 'info', obj: { videos: 6, seeded: true }, msg: 'store seeded from fixtures' }])
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
  t.ok(store.remove(V.timed, timed, 'default'), 'deleted after it was scheduled')
  const empty = video(store, V.empty)
  t.ok(store.create(V.empty, empty, 'default'))
  t.ok(store.remove(V.empty, empty, 'default'))
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

t.test('create: only when there is none, or it failed and a client was shown the error', async (t) => {
  const { store } = await open()
  store.clocks.global.nowMs = 1000
  t.notOk(store.create(V.ready, video(store, V.ready), 'default'), 'a ready download stays')
  t.notOk(store.create(V.timed, video(store, V.timed), 'default'), 'a running download stays')
  const failing = video(store, V.failing)
  t.notOk(store.create(V.failing, failing, 'default'), 'an error nobody was shown stays as it stands')
  t.same(store.stateOf(V.failing, 'default'), { status: 'error', percentComplete: 75 })
  store.shown(V.failing, failing)
  t.equal(failing.downloads.default?.errorShown, true, 'marked as shown')
  const marked = failing.downloads.default
  store.shown(V.failing, failing)
  t.equal(failing.downloads.default, marked, 'marking again changes nothing')
  t.ok(store.create(V.failing, failing, 'default'), 'a failed one that was shown starts over')
  t.same(failing.downloads.default, { ...DEFAULTS, status: 'inprogress', percent: 0, since: 1000 }, 'starting over clears the mark')

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
  t.ok(store.remove(V.ready, ready, 'audio'))
  t.notOk(store.remove(V.ready, ready, 'audio'), 'nothing left to remove')
  t.same(Object.keys(ready.downloads), ['default'])
})

t.test('poll: polls downloads take a step per read; others do not move', async (t) => {
  const { store } = await open()
  const polled = video(store, V.polled)
  store.clocks.global.nowMs = 500
  store.poll(V.polled, polled)
  t.same(store.states(polled), { default: { status: 'inprogress', percentComplete: 50 }, audio: { status: 'inprogress', percentComplete: 10 } })
  t.equal(store.transitionsRecorded, 0)
  store.poll(V.polled, polled)
  t.same(store.stateOf(V.polled, 'default'), { status: 'ready', percentComplete: 100 })
  t.equal(store.transitionsRecorded, 1, 'reaching ready is a transition')
  store.poll(V.polled, polled)
  t.equal(store.transitionsRecorded, 1, 'a ready download does not move')
  store.poll(V.empty, video(store, V.empty))
  store.poll(V.timed, video(store, V.timed))
  t.same(store.stateOf(V.timed, 'default'), { status: 'inprogress', percentComplete: 45 }, 'time downloads ignore reads')
})

t.test('create on an existing download is a read: polls downloads take their step', async (t) => {
  const { store } = await open()
  const polled = video(store, V.polled)
  t.notOk(store.create(V.polled, polled, 'default'))
  t.same(store.stateOf(V.polled, 'default'), { status: 'inprogress', percentComplete: 50 })
  t.notOk(store.create(V.polled, polled, 'audio'), 'a create of the other type reads the whole video too')
  t.same(store.stateOf(V.polled, 'default'), { status: 'ready', percentComplete: 100 })
})

t.test('shown: only downloads in error are marked, a derived error is written down first', async (t) => {
  const { store } = await open()
  const empty = video(store, V.empty)
  store.create(V.empty, empty, 'audio')
  const timed = video(store, V.timed)
  const before = store.revision
  store.shown(V.timed, timed)
  store.shown(V.empty, empty)
  t.equal(store.revision, before, 'nothing in error: no change')
  store.clocks.global.nowMs = 2000
  store.shown(V.empty, empty)
  t.same(empty.downloads.audio, { ...DEFAULTS, failAt: 20, status: 'error', percent: 20, since: 2000, errorShown: true }, 'the error at its fail point, before the ticker wrote it down')
  t.ok(store.create(V.empty, empty, 'audio'), 'the next create starts over')
})

t.test('transitions to ready or error are logged, bounded per batch', async (t) => {
  const { store, log } = await open()
  store.defaults = { model: 'time', speed: 50, step: 25 }
  const many = Array.from({ length: MAX_TRANSITION_LOGS + 5 }, (_, index) => ({ id: index.toString(16).padStart(32, 'c'), account: ACCOUNT }))
  store.putVideos(many)
  for (const { id } of many) store.create(id, video(store, id), 'default')
  const failing = video(store, V.empty)
  store.create(V.empty, failing, 'audio')
  log.logged.length = 0
  t.equal(store.advance(1000), 1, 'the failing download reaches its error')
  t.same(log.logged.map((line) => line.msg), ['download error'])
  t.same(log.logged[0]?.obj, { video: V.empty, type: 'audio', status: 'error', percentComplete: 20, mockMs: 400 })
  log.logged.length = 0
  t.equal(store.advance(1000), many.length)
  t.equal(log.logged.length, MAX_TRANSITION_LOGS + 1, 'one line each up to the bound, then one for the rest')
  t.same(log.logged.at(-1), { level: 'info', obj: { more: 5 }, msg: '5 more downloads or videos reached ready or error' })

  log.logged.length = 0
  store.poll(V.polled, video(store, V.polled))
  store.poll(V.polled, video(store, V.polled))
  t.same(log.logged.map((line) => line.msg), ['download ready'], 'a read that makes a download ready is logged')
  store.defaults = { model: 'immediate', speed: 10, step: 25 }
  store.remove(V.ready, video(store, V.ready), 'audio')
  store.create(V.ready, video(store, V.ready), 'audio')
  t.same(log.logged.map((line) => line.msg), ['download ready', 'download ready'], 'so is an immediate create')
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
