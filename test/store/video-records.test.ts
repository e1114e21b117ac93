import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Progression } from '../../src/domain/progress.js'
import { FixtureError } from '../../src/seed/fixture-error.js'
import { DATA_FORMAT } from '../../src/schemas/store.js'
import { DownloadStore, StoreChangeError } from '../../src/store/download-store.js'

t.beforeEach((t) => { t.saveFixture = true })

const ACCOUNT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const VIDEO = '11111111111111111111111111111111'
const DEFAULTS: Progression = { model: 'time', speed: 10, step: 25 }
const log = { info: () => {}, error: () => {} }

t.test('addVideo counts toward the video bound', async (t) => {
  const store = await DownloadStore.open({ fixtures: [{ source: 'inline', document: { videos: [{ id: VIDEO, account: ACCOUNT }] } }], defaults: DEFAULTS, log, maxVideos: 1 })
  const error = t.throws(() => store.addVideo(ACCOUNT, '22222222222222222222222222222222', 'downloading', {})) as StoreChangeError
  t.same([error.kind, error.field], ['full', 'videos'])
  await store.close()
})

t.test('a data file with downloads on a video that is not ready is refused, naming the path', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const life = { state: 'queued', pct: 0, since: 0, model: 'time', downloadingMs: 2000, queuedMs: 1000, speed: 10, step: 25 }
  const download = { status: 'ready', percent: 100, since: 0, model: 'time', speed: 10, step: 25 }
  writeFileSync(dataFile, JSON.stringify({ format: DATA_FORMAT, clock: { nowMs: 0 }, videos: { [VIDEO]: { account: ACCOUNT, life, downloads: { default: download }, onCreate: {} } } }))
  const error = await DownloadStore.open({ fixtures: [], defaults: DEFAULTS, log, dataFile, lock: { heartbeatMs: 0 } }).then(() => undefined, (rejection: unknown) => rejection)
  t.type(error, FixtureError)
  t.match((error as FixtureError).message, `$.videos[${VIDEO}].downloads.default: a video in state queued has no downloads`)
})

t.test('an entry scheduled on the global clock is stale once its account has a clock of its own', async (t) => {
  const store = await DownloadStore.open({ fixtures: [{ source: 'inline', document: { videos: [{ id: VIDEO, account: ACCOUNT }] } }], defaults: DEFAULTS, log })
  store.follow(false)
  store.addVideo(ACCOUNT, '22222222222222222222222222222222', 'downloading', {})
  store.setClock({ frozen: true }, ACCOUNT)
  t.equal(store.advance(60_000), 0, 'the global clock\'s entry is stale: nothing recorded there')
  t.equal(store.getVideo('22222222222222222222222222222222')?.lifecycle?.state, 'downloading', 'the account\'s frozen clock did not move')
  t.ok(store.advance(60_000, ACCOUNT) > 0, 'its own clock has the entry')
  await store.close()
})
