import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { DATA_FORMAT } from '../../src/schemas/store.js'
import type { FixtureDocument } from '../../src/schemas/fixture.js'
import { accountLine, finishReplay, replayLog, startReplay } from '../../src/store/change-log.js'
import { savedState } from '../helpers/saved-state.js'
import { ACCOUNT, AUTH, VIDEOS } from '../helpers/build.js'

t.beforeEach((t) => { t.saveFixture = true })

const DECLARED = '0000000000000000000000000000acc1'
const CHANGED = '0000000000000000000000000000acc2'
const ADDED = '0000000000000000000000000000acc3'
const FIXTURES: FixtureDocument = {
  accounts: [{ id: DECLARED, description: 'empty' }, { id: CHANGED }],
  videos: [{ id: VIDEOS.ready, account: ACCOUNT }]
}

const open = async (dataFile: string): Promise<FastifyInstance> => await buildApp({ logger: false, autoTick: false, flushDelayMs: 0, fixtures: FIXTURES, config: { dataFile } })
const admin = async (app: FastifyInstance, method: string, url: string, payload?: object): Promise<{ statusCode: number, body: any }> => {
  const answer = await app.inject({ method: method as 'GET', url, ...(payload === undefined ? {} : { payload }) })
  return { statusCode: answer.statusCode, body: answer.json() }
}
const ids = async (app: FastifyInstance): Promise<string[]> => (await admin(app, 'GET', '/__mock/accounts')).body.result.accounts.map((account: { id: string }) => account.id)

t.test('declared accounts and their settings survive a restart, through the snapshot and the change log', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const first = await open(dataFile)
  await first.close()
  t.same(savedState(dataFile).accounts, { [DECLARED]: { description: 'empty' }, [CHANGED]: {} }, 'the first start saves the fixtures\' accounts')

  const second = await open(dataFile)
  await admin(second, 'PUT', `/__mock/accounts/${ADDED}`, { progression: { model: 'manual' } })
  await admin(second, 'PUT', `/__mock/accounts/${CHANGED}`, { progression: { failAt: 'queued', errorReasonCode: 'ERR_UNKNOWN' } })
  await admin(second, 'DELETE', `/__mock/accounts/${DECLARED}`)
  await second.close()
  t.same(savedState(dataFile).accounts, { [CHANGED]: { progression: { failAt: 'queued', errorReasonCode: 'ERR_UNKNOWN' } }, [ADDED]: { progression: { model: 'manual' } } })

  // The data file wins over the fixtures: the removed one stays removed.
  const third = await open(dataFile)
  t.same(await ids(third), [CHANGED, ADDED])
  t.match((await admin(third, 'GET', `/__mock/accounts/${ADDED}`)).body.result, { declared: true, videos: 0, videoDefaults: { model: 'manual' } })
  t.equal((await third.inject({ method: 'GET', url: `/client/v4/accounts/${DECLARED}/stream`, headers: AUTH })).statusCode, 404)
  const copy = (await third.inject({ method: 'POST', url: `/client/v4/accounts/${CHANGED}/stream/copy`, headers: AUTH, payload: { url: 'https://example.com/a.mp4' } })).json().result
  await admin(third, 'POST', '/__mock/clock/advance', { ms: 3000 })
  t.match((await third.inject({ method: 'GET', url: `/client/v4/accounts/${CHANGED}/stream/${copy.uid as string}`, headers: AUTH })).json().result.status, { state: 'error', errorReasonCode: 'ERR_UNKNOWN' }, 'a video created after the restart follows the saved settings')

  // An account's reset: back to the fixture's settings (a line), or gone.
  await admin(third, 'DELETE', `/__mock/videos/${copy.uid as string}`)
  await admin(third, 'POST', '/__mock/reset', { account: CHANGED })
  await admin(third, 'POST', '/__mock/reset', { account: ADDED })
  await third.close()
  t.same(savedState(dataFile).accounts, { [CHANGED]: {} })

  // A reset of everything: the snapshot holds the fixtures' accounts again.
  const fourth = await open(dataFile)
  t.same(await ids(fourth), [CHANGED])
  await admin(fourth, 'POST', '/__mock/reset')
  await fourth.close()
  t.same(savedState(dataFile).accounts, { [DECLARED]: { description: 'empty' }, [CHANGED]: {} })
})

t.test('a data@3 file written before accounts were declared opens with none; the head keeps none while none are', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  writeFileSync(dataFile, JSON.stringify({ format: DATA_FORMAT, epochMs: 1_000_000, log: 0, elapsedMs: 0, clock: { nowMs: 0 }, videos: { [VIDEOS.ready]: { account: ACCOUNT, downloads: {}, onCreate: {} } } }))
  const app = await buildApp({ logger: false, autoTick: false, flushDelayMs: 0, config: { dataFile } })
  t.same(await ids(app), [])
  t.match((await admin(app, 'GET', `/__mock/accounts/${ACCOUNT}`)).body.result, { declared: false, videos: 1 })
  await app.close()
  t.notOk('accounts' in savedState(dataFile), 'no accounts key in the head')
})

t.test('a log line with a bad account record stops the start, naming the log file and line', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const first = await open(dataFile)
  await first.close()
  writeFileSync(`${dataFile}.9.log`, `{"f":0,"open":1}\n{"f":1,"account":{"id":"${ADDED}","record":{"progression":{"model":"fast"}}}}\n{"f":2}\n`)
  await t.rejects(open(dataFile), /data\.json\.9\.log:2: \$\.account\.record/)
})

t.test('a data file that declares more accounts than the bound stops the start, naming the file', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const first = await open(dataFile)
  await first.close()
  await t.rejects(buildApp({ logger: false, autoTick: false, flushDelayMs: 0, fixtures: FIXTURES, maxAccounts: 1, config: { dataFile } }), /data\.json: declares 2 accounts; the store holds at most 1/)
  // The lock was let go: the file opens with the bound it was written under.
  const again = await open(dataFile)
  t.same(await ids(again), [DECLARED, CHANGED])
  await again.close()
})

t.test('account lines: a declaration set, replaced and removed, replayed onto a snapshot with or without accounts', async (t) => {
  t.equal(accountLine(5, ADDED, undefined), `{"f":5,"account":{"id":"${ADDED}","record":null}}\n`, 'a removed declaration is a line with no record')
  const sink = { put: () => {}, delete: () => {} }
  const bare = startReplay({ format: DATA_FORMAT, clock: { nowMs: 0 } }, sink)
  replayLog(bare, accountLine(1, ADDED, undefined), 'x.log')
  t.same(finishReplay(bare).accounts, {}, 'removing one from a head without accounts')
  const replay = startReplay({ format: DATA_FORMAT, clock: { nowMs: 0 }, accounts: { [DECLARED]: {} } }, sink)
  replayLog(replay, accountLine(1, ADDED, { description: 'a' }) + accountLine(2, ADDED, { progression: { model: 'polls' } }) + accountLine(3, DECLARED, undefined), 'x.log')
  t.same(finishReplay(replay).accounts, { [ADDED]: { progression: { model: 'polls' } } })
})
